import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import { LeaseLostError } from '../../src/queue/processor/run/worker.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { waitUntil } from '../helpers/wait.js';

describe('a handler whose process stalled past its lease', () => {
  const redis = useRedis();

  it('finds its signal aborted when it next reads it, before the lease extender notices', async () => {
    const clock = new ManualClock(T0);
    const random = seededRandom(11);
    const shard = new QueueShard({
      name: `stall-${process.pid}`,
      transport: redis.transport,
      clock,
      random,
    });
    const queue = new Queue({ shards: [shard], clock, random });
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    const seen: { beforeStall: boolean; afterStall: boolean; reason: unknown }[] = [];
    const processor = await createProcessor({
      queue,
      leaseMs: 4_000,
      hooks: { log: () => {} },
      handler: async (_item, ctx) => {
        const beforeStall = ctx.signal.aborted;
        started = true;
        await gate; // e.g. a Redis read, during which the process froze
        // What the executor does right before an SDK request: pass on the signal.
        const signal = ctx.signal;
        seen.push({ beforeStall, afterStall: signal.aborted, reason: signal.reason });
      },
    });
    await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f' });
    await waitUntil(() => started);
    // The process wakes up past its lease: the extender's refusal is a round trip away, the
    // handler's continuation is not.
    clock.set(T0 + 4_001);
    release();
    await waitUntil(() => seen.length >= 1);
    expect(seen[0]!.beforeStall).toBe(false);
    expect(seen[0]!.afterStall).toBe(true);
    expect(seen[0]!.reason).toBeInstanceOf(LeaseLostError);
    expect(String(seen[0]!.reason)).toContain('expired while its handler ran');
    await processor.close();
  });
});
