import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { customKeyedEdge as base, leaser } from './fixtures.js';

// Refusals that requeue shares with extendLease and dequeue (stale, expired, not leased, missing
// item) are tested together in extendLease.test.ts.
describe('requeue (lua/queue/requeue-13.lua)', () => {
  const redis = useRedis();
  const leased = leaser(redis);

  it('requeue returns the item to ready at `at`, bumps generation and (optionally) attempt, frees capacity', async () => {
    const { shard, item, leaseId, clock } = await leased();
    const r = await shard.requeue(item, leaseId, { at: T0 + 15_000, consumeAttempt: true });
    expect(r).toEqual({ ok: true });
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.ready.get('fn:a1:f1')?.get(item.id)).toBe(T0 + 15_000);
    expect(s.items.get(item.id)).toMatchObject({
      attempt: 1,
      generation: 2,
      at: T0 + 15_000,
      score: T0 + 15_000,
    });
    expect(s.leases.has(item.id)).toBe(false);
    expect(s.scavenger.size).toBe(0);
    const again = await shard.lease(s.items.get(item.id)!, { durationMs: 1000 });
    if (!again.ok) throw new Error('lease refused');
    await shard.requeue(item, again.leaseId, { at: T0 - 5, consumeAttempt: false });
    const s2 = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s2.items.get(item.id)).toMatchObject({ attempt: 1, generation: 3, score: T0 });
  });

  it('requeue pulls the partition pointer earlier but never later', async () => {
    const { queue, shard } = freshQueue(redis);
    const a = await queue.enqueue({ ...base, at: T0 });
    await queue.enqueue({ ...base, at: T0 + 50_000 });
    const l = await shard.lease(a.item, { durationMs: 1000 });
    if (!l.ok) throw new Error('lease refused');
    await shard.requeue(a.item, l.leaseId, { at: T0 + 100_000, consumeAttempt: true });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(T0);
    await expectHealthy(redis.raw, shard.keys, T0);
  });
});
