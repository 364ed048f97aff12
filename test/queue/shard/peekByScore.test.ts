import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { edge } from './fixtures.js';

// nextDueAt also reads through peekByScore; its tests are with the wake-ups in ../wake.test.ts.
describe('peekByScore (lua/queue/peekByScore-1.lua): account peek', () => {
  const redis = useRedis();

  it('account peek lists accounts with due work; per-account peek lists only that account', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('f1', 'a1', T0 + 50));
    await queue.enqueue(edge('f2', 'a2', T0 + 10));
    await queue.enqueue(edge('f3', 'a3', T0 + 5000));
    const accounts = await shard.peekAccounts({ untilMs: T0 + 100, limit: 10, order: 'score' });
    expect(accounts.accounts.map((a) => a.id)).toEqual(['a2', 'a1']);
    const a1 = await shard.peekPartitions({
      accountId: 'a1',
      untilMs: T0 + 100,
      limit: 10,
      order: 'score',
    });
    expect(a1.partitions.map((p) => p.id)).toEqual(['fn:a1:f1']);
  });
});
