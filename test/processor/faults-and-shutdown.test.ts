import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { Continuations } from '../../src/queue/processor/scan/continuations.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import type { LogLevel } from '../../src/queue/processor/options.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import type { RedisTransport } from '../../src/redis/transport.js';
import { FlakyTransport } from '../../testkit/flaky-transport.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { waitUntil } from '../helpers/wait.js';

describe('faults and shutdown', () => {
  const redis = useRedis();
  let n = 0;

  function setup(transport: RedisTransport = redis.transport) {
    const clock = new SystemClock();
    const shard = new QueueShard({
      name: `faults-${process.pid}-${++n}`,
      transport,
      clock,
      random: seededRandom(n),
    });
    return {
      clock,
      shard,
      queue: new Queue({ shards: [shard], clock, random: seededRandom(n + 100) }),
    };
  }

  it('Redis unavailable: backs off, logs once per outage, resumes and loses nothing', async () => {
    const flaky = new FlakyTransport(redis.transport);
    const { clock, shard, queue } = setup(flaky);
    for (let i = 0; i < 300; i++)
      await queue.enqueue({ kind: 'edge', accountId: `a${i % 3}`, functionId: `f${i % 5}` });
    const logs: { level: LogLevel; message: string }[] = [];
    const done = new Map<string, number>();
    const processor = await createProcessor({
      queue,
      concurrency: 10,
      hooks: { log: (level, message) => logs.push({ level, message }) },
      handler: async (item) => {
        await new Promise((r) => setTimeout(r, 2));
        done.set(item.id, (done.get(item.id) ?? 0) + 1);
      },
    });
    await waitUntil(() => done.size >= 50);
    flaky.down = true;
    await new Promise((r) => setTimeout(r, 1000));
    flaky.down = false;
    await waitUntil(() => done.size === 300, 30_000, 'all items after the outage');
    await processor.close();
    expect(flaky.failedCalls).toBeGreaterThan(5);
    expect([...done.values()].every((c) => c === 1)).toBe(true);
    const started = logs.filter((l) => l.message.includes('failing'));
    expect(started.length).toBeGreaterThan(0);
    const perComponent = new Map<string, number>();
    for (const l of started) perComponent.set(l.message, (perComponent.get(l.message) ?? 0) + 1);
    expect([...perComponent.values()].every((c) => c === 1)).toBe(true);
    expect(logs.filter((l) => l.message.includes('recovered')).length).toBeGreaterThan(0);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  }, 60_000);

  it('close(): running handlers finish within the timeout; the rest are requeued without consuming an attempt', async () => {
    const { clock, shard, queue } = setup();
    const quick = await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'quick' });
    const stuck = await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'stuck' });
    let aborted = false;
    const started = new Set<string>();
    const processor = await createProcessor({
      queue,
      hooks: { log: () => {} },
      handler: async (item, { signal }) => {
        started.add(item.id);
        if (item.id === quick.item.id) return void (await new Promise((r) => setTimeout(r, 100)));
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        aborted = true;
      },
    });
    await waitUntil(() => started.size === 2);
    await processor.close(400);
    expect(aborted).toBe(true);
    expect(await shard.getItem(quick.item.id)).toBeNull();
    const back = await shard.getItem(stuck.item.id);
    expect(back).toMatchObject({ attempt: 0, generation: 2 });
    expect(await shard.getLeaseId(stuck.item.id)).toBeNull();
    expect(processor.stats.succeeded).toBe(1);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });

  it('continuations: a handler that schedules immediate work on its partition gets it processed next', async () => {
    const { queue } = setup();
    const steps: number[] = [];
    await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'chain', payload: 0 });
    const processor = await createProcessor({
      queue,
      handler: async (item, ctx) => {
        const step = ctx.payload as number;
        steps.push(step);
        if (step >= 9) return;
        await queue.enqueue({
          kind: 'edge',
          accountId: 'a',
          functionId: 'chain',
          payload: step + 1,
        });
        return { scheduledImmediateWork: true };
      },
    });
    await waitUntil(() => steps.length === 10);
    await processor.close();
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('continuation bookkeeping: a limit per partition, then a cooldown; a cap on partitions', () => {
    const c = new Continuations(2, 1000, 2);
    const p = { id: 'p' };
    expect(c.add(p, 0)).toBe(true);
    expect(c.take()).toEqual([p]);
    expect(c.add(p, 0)).toBe(true);
    expect(c.add(p, 0)).toBe(false); // third in a row: cools down
    expect(c.take()).toEqual([]);
    expect(c.add(p, 999)).toBe(false);
    expect(c.add(p, 1000)).toBe(true);
    expect(c.add({ id: 'q' }, 1000)).toBe(true);
    expect(c.add({ id: 'r' }, 1000)).toBe(false); // at the cap
    c.end('p');
    c.take();
    c.end('p');
    expect(c.add({ id: 'r' }, 1000)).toBe(true);
  });

  it('roles: one processor holds the scavenger and the sequential role; the other waits', async () => {
    const { queue, shard } = setup();
    const a = await createProcessor({ queue, handler: async () => {}, sequential: true });
    await waitUntil(async () => !(await shard.leaseRole('sequential', 100, null)).ok);
    expect((await shard.leaseRole('scavenger', 100, null)).ok).toBe(false);
    await a.close();
    expect((await shard.leaseRole('sequential', 100, null)).ok).toBe(true);
  });
});
