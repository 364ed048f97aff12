import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { edge, ref } from './fixtures.js';

describe('partitionLease (lua/queue/partitionLease-4.lua)', () => {
  const redis = useRedis();

  it('a lease hides the partition until its expiry; a second lease is refused; an expired one is re-leasable', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    await queue.enqueue(edge('f1'));
    const first = await shard.leasePartition(ref('f1'), 4000);
    expect(first).toMatchObject({ ok: true, expiresAt: T0 + 4000, lastLeasedAt: 0 });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
      T0 + 4000,
    );
    expect(Number(await redis.raw.zscore(shard.keys.accounts(), 'a1'))).toBe(T0 + 4000);
    expect(
      (await shard.peekPartitions({ untilMs: T0 + 1000, limit: 10, order: 'score' })).due,
    ).toBe(0);
    expect(await shard.leasePartition(ref('f1'), 4000)).toEqual({
      ok: false,
      reason: 'already-leased',
    });
    clock.advance(4000);
    const again = await shard.leasePartition(ref('f1'), 4000);
    expect(again).toMatchObject({ ok: true, lastLeasedAt: T0 });
    expect(await shard.leasePartition(ref('nope'), 4000)).toEqual({
      ok: false,
      reason: 'not-found',
    });
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });
});
