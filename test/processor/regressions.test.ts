import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import type { LuaScript } from '../../src/redis/script.js';
import type { RedisTransport, ScriptArg } from '../../src/redis/transport.js';
import { FlakyTransport } from '../../testkit/flaky-transport.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { waitUntil } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Delays the replies of one script, as a slow round trip would. */
class SlowScript implements RedisTransport {
  constructor(
    private readonly inner: RedisTransport,
    private readonly script: string,
    private readonly delayMs: number,
  ) {}
  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const r = await this.inner.runScript(script, keys, args);
    if (script.name === this.script) await sleep(this.delayMs);
    return r;
  }
  hget(key: string, field: string) {
    return this.inner.hget(key, field);
  }
  subscribe(channel: string, onMessage: (m: string) => void) {
    return this.inner.subscribe(channel, onMessage);
  }
  close() {
    return this.inner.close();
  }
}

describe('processor regressions', () => {
  const redis = useRedis();
  let n = 0;

  function setup(transport: RedisTransport) {
    const clock = new SystemClock();
    const shard = new QueueShard({
      name: `reg-${process.pid}-${++n}`,
      transport,
      clock,
      random: seededRandom(n),
    });
    return { shard, queue: new Queue({ shards: [shard], clock, random: seededRandom(n + 50) }) };
  }

  it('a lease extension that returns after the handler finished is kept, so the ack succeeds', async () => {
    const { queue } = setup(new SlowScript(redis.transport, 'extendLease', 60));
    const runs = new Map<string, number>();
    const processor = await createProcessor({
      queue,
      leaseMs: 200,
      scavenger: { intervalMs: 50 },
      roleLeaseMs: 300,
      hooks: { log: () => {} },
      handler: async (item) => {
        runs.set(item.id, (runs.get(item.id) ?? 0) + 1);
        await sleep(130);
      },
    });
    for (let i = 0; i < 5; i++)
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f' });
    await waitUntil(() => processor.stats.succeeded === 5, 10_000);
    await sleep(500); // long enough for any wrongly unacked item to be scavenged and rerun
    await processor.close();
    expect([...runs.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(processor.stats.leaseLost).toBe(0);
  });

  it('close() returns during a Redis outage once the pending acks have run out of lease', async () => {
    const flaky = new FlakyTransport(redis.transport);
    const { queue } = setup(flaky);
    await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f' });
    let started = false;
    const processor = await createProcessor({
      queue,
      leaseMs: 500,
      hooks: { log: () => {} },
      handler: async () => {
        started = true;
        flaky.down = true;
      },
    });
    await waitUntil(() => started);
    const t = Date.now();
    await processor.close(300);
    expect(Date.now() - t).toBeLessThan(5000);
    flaky.down = false;
  });

  it('a throwing hook is logged and does not break the worker', async () => {
    const { queue, shard } = setup(redis.transport);
    const logged: string[] = [];
    const { item } = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      maxAttempts: 1,
    });
    const processor = await createProcessor({
      queue,
      handler: async () => {
        throw new Error('boom');
      },
      hooks: {
        log: (_level, message) => logged.push(message),
        onPermanentFailure: () => {
          throw new Error('hook bug');
        },
      },
    });
    await waitUntil(() => processor.stats.failed === 1);
    await processor.close();
    expect(logged).toContain('a processor hook threw');
    expect(await shard.getItem(item.id)).toBeNull();
  });
});
