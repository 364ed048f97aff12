import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

// About several scripts: the wake-ups are published by the scripts that make a partition due
// earlier (enqueue here), and nextDueAt reads the global index through peekByScore.
describe('wake-ups and next due time', () => {
  const redis = useRedis();

  it('nextDueAt is the earliest partition score, null when empty', async () => {
    const { queue, shard } = freshQueue(redis);
    expect(await shard.nextDueAt()).toBeNull();
    await queue.enqueue({ kind: 'sleep', accountId: 'a', functionId: 'f1', at: T0 + 9000 });
    await queue.enqueue({ kind: 'sleep', accountId: 'a', functionId: 'f2', at: T0 + 4000 });
    expect(await shard.nextDueAt()).toBe(T0 + 4000);
  });

  it('publishes when a partition becomes due earlier, and not for work behind an already-due pointer', async () => {
    const { queue, shard } = freshQueue(redis);
    const heard: number[] = [];
    const unsubscribe = await shard.onWake((dueAt) => heard.push(dueAt));
    try {
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 + 5000 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 + 100 });
      await redis.raw.ping();
      for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard).toEqual([T0 + 5000, T0]);
    } finally {
      await unsubscribe();
    }
  });
});
