import { describe, expect, it } from 'vitest';
import { expectHealthy, readShardState } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { customKeyedEdge as base, leaser } from './fixtures.js';

// The fencing tests that name extendLease, dequeue and requeue together live here, with extend's
// own test; dequeue.test.ts and requeue.test.ts hold the tests about one of them alone.
describe('extendLease (lua/queue/extendLease-8.lua), and the lease fencing it shares with dequeue and requeue', () => {
  const redis = useRedis();
  const leased = leaser(redis);

  it('extend replaces the lease and re-scores the lease index and every in-progress set', async () => {
    const { shard, item, leaseId, clock } = await leased();
    clock.advance(5000);
    const r = await shard.extendLease(item, leaseId, 10_000);
    expect(r).toMatchObject({ ok: true, expiresAt: T0 + 15_000 });
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.scavenger.get('fn:a1:f1')).toBe(T0 + 15_000);
    expect(
      s.inProgress.get(shard.keys.inProgressCustom(item.customKeys[0]!.canonical))?.get(item.id),
    ).toBe(T0 + 15_000);
    // the old lease is now stale
    expect(await shard.extendLease(item, leaseId, 10_000)).toEqual({
      ok: false,
      reason: 'lease-mismatch',
    });
  });

  it('stale lease: extend, dequeue and requeue are refused after someone else re-leased', async () => {
    const { shard, item, leaseId, clock } = await leased(1000);
    clock.advance(1000);
    const other = await shard.lease(item, { durationMs: 5000 });
    expect(other.ok).toBe(true);
    const before = await readShardState(redis.raw, shard.keys);
    expect(await shard.extendLease(item, leaseId, 1000)).toEqual({
      ok: false,
      reason: 'lease-mismatch',
    });
    expect(await shard.dequeue(item, leaseId)).toEqual({ ok: false, reason: 'lease-mismatch' });
    expect(await shard.requeue(item, leaseId, { at: T0, consumeAttempt: true })).toEqual({
      ok: false,
      reason: 'lease-mismatch',
    });
    expect(await readShardState(redis.raw, shard.keys)).toEqual(before);
  });

  it('expired lease: extend, dequeue and requeue are refused and change nothing', async () => {
    const { shard, item, leaseId, clock } = await leased(1000);
    clock.advance(1000);
    const before = await readShardState(redis.raw, shard.keys);
    expect(await shard.extendLease(item, leaseId, 1000)).toEqual({
      ok: false,
      reason: 'lease-expired',
    });
    expect(await shard.dequeue(item, leaseId)).toEqual({ ok: false, reason: 'lease-expired' });
    expect(await shard.requeue(item, leaseId, { at: T0, consumeAttempt: false })).toEqual({
      ok: false,
      reason: 'lease-expired',
    });
    expect(await readShardState(redis.raw, shard.keys)).toEqual(before);
  });

  it('not leased: fenced operations say so; unfenced dequeue of a leased item is refused', async () => {
    const { queue, shard } = freshQueue(redis);
    const { item } = await queue.enqueue(base);
    expect(await shard.extendLease(item, 'X'.repeat(26), 1000)).toEqual({
      ok: false,
      reason: 'not-leased',
    });
    expect(await shard.requeue(item, '0'.repeat(26), { at: T0, consumeAttempt: true })).toEqual({
      ok: false,
      reason: 'not-leased',
    });
    const lease = await shard.lease(item, { durationMs: 1000 });
    expect(lease.ok).toBe(true);
    expect(await shard.dequeue(item, null)).toEqual({ ok: false, reason: 'already-leased' });
  });

  it('missing item: every fenced operation says not-found', async () => {
    const { queue, shard } = freshQueue(redis);
    const ghost = queue.buildItem(base);
    const id = '0'.repeat(26);
    expect(await shard.extendLease(ghost, id, 1000)).toEqual({ ok: false, reason: 'not-found' });
    expect(await shard.dequeue(ghost, id)).toEqual({ ok: false, reason: 'not-found' });
    expect(await shard.requeue(ghost, id, { at: T0, consumeAttempt: true })).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });
});
