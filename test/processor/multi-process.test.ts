import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import type { EnqueueInput } from '../../src/queue/item.js';
import { createProcessor, type Processor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { startChildProcessor, waitForExit } from '../helpers/children.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { waitUntil } from '../helpers/wait.js';

describe('processors in several processes', () => {
  const redis = useRedis();
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  function setup(name: string, seed: number) {
    const clock = new SystemClock();
    const random = seededRandom(seed);
    const shard = new QueueShard({ name, transport: redis.transport, clock, random });
    return { clock, shard, queue: new Queue({ shards: [shard], clock, random }) };
  }

  async function enqueueAll(queue: Queue, inputs: EnqueueInput[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < inputs.length; i += 500) {
      const rs = await Promise.all(inputs.slice(i, i + 500).map((input) => queue.enqueue(input)));
      for (const r of rs) {
        expect(r.status).toBe('enqueued');
        ids.push(r.item.id);
      }
    }
    return ids;
  }

  it('exactly once without faults: 10,000 items, 100 partitions, 10 accounts, 4 local + 2 child processors', async () => {
    const name = `once-${process.pid}`;
    const { clock, shard, queue } = setup(name, 1);
    const inputs = Array.from({ length: 10_000 }, (_, i): EnqueueInput => ({
      kind: 'edge',
      accountId: `acct-${i % 10}`,
      functionId: `fn-${i % 100}`,
    }));
    const ids = await enqueueAll(queue, inputs);
    const doneKey = `{${name}}:test:done`;
    // The children start first: they take seconds to boot, and the local processors alone
    // would drain everything before them.
    for (let c = 0; c < 2; c++) {
      children.push(
        await startChildProcessor({
          url: redis.server.url,
          shard: name,
          concurrency: 50,
          mode: 'record',
          leaseMs: 30_000,
        }),
      );
    }
    const local = new Map<string, number>();
    const processors: Processor[] = [];
    for (let p = 0; p < 4; p++) {
      const own = new Queue({ shards: [shard], clock, random: seededRandom(100 + p) });
      processors.push(
        await createProcessor({
          queue: own,
          concurrency: 50,
          handler: async (item) => void local.set(item.id, (local.get(item.id) ?? 0) + 1),
        }),
      );
    }
    const childDone = async () => await redis.raw.llen(doneKey);
    await waitUntil(
      async () => local.size + (await childDone()) >= ids.length,
      60_000,
      'all items to complete',
    );
    for (const c of children.splice(0)) {
      c.kill('SIGTERM');
      await waitForExit(c);
    }
    await Promise.all(processors.map((p) => p.close()));

    const counts = new Map(local);
    for (const id of await redis.raw.lrange(doneKey, 0, -1))
      counts.set(id, (counts.get(id) ?? 0) + 1);
    await redis.raw.del(doneKey);
    expect(counts.size).toBe(ids.length);
    const duplicates = [...counts.values()].filter((n) => n !== 1).length;
    expect(duplicates).toBe(0);
    for (const id of ids) expect(counts.get(id)).toBe(1);
    console.log(
      `exactly-once: ${local.size} completed in the test process, ${ids.length - local.size} in children`,
    );
    expect(ids.length - local.size).toBeGreaterThan(0);
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.items.size).toBe(0);
  }, 120_000);

  it("a SIGKILLed child's leased items are scavenged and completed by the survivors", async () => {
    const name = `kill-${process.pid}`;
    const { clock, shard, queue } = setup(name, 2);
    const ids = await enqueueAll(
      queue,
      Array.from({ length: 200 }, (_, i): EnqueueInput => ({
        kind: 'edge',
        accountId: `a${i % 4}`,
        functionId: `f${i % 8}`,
      })),
    );
    const child = await startChildProcessor({
      url: redis.server.url,
      shard: name,
      concurrency: 50,
      mode: 'hang',
      leaseMs: 1500,
    });
    children.push(child);
    await waitUntil(
      async () => (await redis.raw.hlen(shard.keys.leases())) >= 50,
      20_000,
      'the child to lease 50 items',
    );
    const heldByChild = new Set(Object.keys(await redis.raw.hgetall(shard.keys.leases())));
    child.kill('SIGKILL');
    await waitForExit(child);

    const done = new Map<string, number>();
    const survivors: Processor[] = [];
    for (let p = 0; p < 2; p++) {
      const own = new Queue({ shards: [shard], clock, random: seededRandom(200 + p) });
      survivors.push(
        await createProcessor({
          queue: own,
          concurrency: 40,
          leaseMs: 1500,
          scavenger: { intervalMs: 250 },
          handler: async (item) => void done.set(item.id, (done.get(item.id) ?? 0) + 1),
        }),
      );
    }
    const killedAt = Date.now();
    await waitUntil(() => done.size >= ids.length, 30_000, 'survivors to complete everything');
    const recoveryMs = Date.now() - killedAt;
    await Promise.all(survivors.map((p) => p.close()));
    expect([...done.values()].every((n) => n === 1)).toBe(true);
    for (const id of heldByChild) expect(done.get(id)).toBe(1);
    const scavenged = await Promise.all(
      [...heldByChild].slice(0, 5).map((id) => shard.getItem(id)),
    );
    expect(scavenged.every((i) => i === null)).toBe(true);
    console.log(
      `SIGKILL: ${heldByChild.size} leased items recovered; all 200 done ${recoveryMs} ms after the kill (lease 1500 ms)`,
    );
    await expectHealthy(redis.raw, shard.keys, clock.now());
  }, 60_000);
});
