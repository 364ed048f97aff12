import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { useRedis } from '../../testkit/redis-fixture.js';

describe('processor basics', () => {
  const redis = useRedis();

  it('runs every item once and leaves the shard empty', async () => {
    const clock = new SystemClock();
    const random = seededRandom(1);
    const shard = new QueueShard({
      name: `basic-${process.pid}`,
      transport: redis.transport,
      clock,
      random,
    });
    const queue = new Queue({ shards: [shard], clock, random });
    const seen = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      await queue.enqueue({
        kind: 'edge',
        accountId: `a${i % 3}`,
        functionId: `f${i % 7}`,
        payload: i,
      });
    }
    const processor = await createProcessor({
      queue,
      handler: async (item) => {
        seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
      },
      concurrency: 20,
    });
    const start = Date.now();
    while (seen.size < 300 && Date.now() - start < 10_000)
      await new Promise((r) => setTimeout(r, 20));
    await processor.close();
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(processor.stats.succeeded).toBe(300);
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.items.size).toBe(0);
    expect(s.partitions.size).toBe(0);
  });
});
