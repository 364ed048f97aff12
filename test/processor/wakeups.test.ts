import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { waitUntil } from '../helpers/wait.js';

const realMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('wake-ups', () => {
  const redis = useRedis();

  it('an idle scanner scans again for work due now, not for work due after its sleep ends', async () => {
    const clock = new ManualClock(T0);
    const random = seededRandom(7);
    const shard = new QueueShard({
      name: `wake-${process.pid}`,
      transport: redis.transport,
      clock,
      random,
    });
    const queue = new Queue({ shards: [shard], clock, random });
    const ran: string[] = [];
    const processor = await createProcessor({
      queue,
      handler: async (item) => void ran.push(item.id),
      hooks: { log: () => {} },
      idleMaxMs: 2_000,
    });
    // Parked: the first scan found nothing, and the scanner sleeps until T0 + idleMaxMs.
    await waitUntil(() => processor.stats.scans >= 1 && clock.pendingSleeps() > 0);
    await realMs(100);
    const parked = processor.stats.scans;

    // Due a minute from now: its wake-up arrives, and the sleep goes on.
    const later = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      at: T0 + 60_000,
    });
    await realMs(300);
    expect(processor.stats.scans).toBe(parked);

    // Due now: the same wake-up path cuts the sleep short, and the item runs on the same clock.
    const now = await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'g' });
    await waitUntil(() => ran.includes(now.item.id));
    expect(processor.stats.scans).toBeGreaterThan(parked);
    expect(clock.now()).toBe(T0);

    // The later item is found once its time comes, by the scans the clock brings.
    for (let t = T0; t < T0 + 60_000 && !ran.includes(later.item.id);) {
      clock.set((t += 1_000));
      await realMs(5);
    }
    await waitUntil(() => ran.includes(later.item.id));
    await processor.close();
  });
});
