import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { waitUntil } from '../../helpers/wait.js';
import { customKeyedEdge as base, edge, leaser, ref } from './fixtures.js';

// Refusals that dequeue shares with extendLease and requeue (stale, expired, not leased, missing
// item) are tested together in extendLease.test.ts.
describe('dequeue (lua/queue/dequeue-14.lua)', () => {
  const redis = useRedis();
  const leased = leaser(redis);

  it('dequeue removes the item everywhere, writes the tombstone and collects the empty partition', async () => {
    const { shard, item, leaseId } = await leased();
    expect(await shard.dequeue(item, leaseId)).toEqual({ ok: true });
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(
      s.items.size +
        s.leases.size +
        s.partitions.size +
        s.global.size +
        s.accounts.size +
        s.scavenger.size,
    ).toBe(0);
    for (const set of s.inProgress.values()) expect(set.size).toBe(0);
    expect(await redis.raw.get(shard.keys.tombstone(item.id))).toBe(
      `${T0 + 12 * 3600 * 1000}|${leaseId}`,
    );
  });

  it('a repeated dequeue by the same lease succeeds again (lost reply); another lease gets not-found', async () => {
    const { shard, item, leaseId } = await leased();
    expect(await shard.dequeue(item, leaseId)).toEqual({ ok: true });
    expect(await shard.dequeue(item, leaseId)).toEqual({ ok: true });
    expect(await shard.dequeueBatch([{ item, leaseId }])).toEqual([{ ok: true }]);
    expect(await shard.dequeue(item, '0'.repeat(26))).toEqual({ ok: false, reason: 'not-found' });
    expect(await shard.dequeue(item, null)).toEqual({ ok: false, reason: 'not-found' });
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('an unfenced dequeue (cancellation) respects the grace bound', async () => {
    const { queue, shard, clock } = freshQueue(redis, { graceMs: 500 });
    const { item } = await queue.enqueue(base);
    await shard.lease(item, { durationMs: 1000 });
    clock.advance(1499);
    expect(await shard.dequeue(item, null)).toEqual({ ok: false, reason: 'already-leased' });
    clock.advance(1);
    expect(await shard.dequeue(item, null)).toEqual({ ok: true });
  });

  it('dequeue keeps the scavenger pointer at the earliest remaining lease', async () => {
    const { queue, shard } = freshQueue(redis);
    const a = await queue.enqueue(base);
    const b = await queue.enqueue(base);
    const la = await shard.lease(a.item, { durationMs: 1000 });
    const lb = await shard.lease(b.item, { durationMs: 2000 });
    expect(Number(await redis.raw.zscore(shard.keys.scavenger(), 'fn:a1:f1'))).toBe(T0 + 1000);
    if (!la.ok || !lb.ok) throw new Error('lease refused');
    await shard.dequeue(a.item, la.leaseId);
    expect(Number(await redis.raw.zscore(shard.keys.scavenger(), 'fn:a1:f1'))).toBe(T0 + 2000);
    await shard.dequeue(b.item, lb.leaseId);
    expect(await redis.raw.zscore(shard.keys.scavenger(), 'fn:a1:f1')).toBeNull();
  });

  it("a dequeue while a scanner holds the partition cancels that scanner's forced requeue, with a wake-up", async () => {
    const { queue, shard, clock } = freshQueue(redis);
    await queue.enqueue(edge('f1'));
    await queue.enqueue(edge('f1'));
    const [peeked] = await shard.peek(ref('f1'), T0, 1);
    const itemLease = await shard.lease(peeked!.item, { durationMs: 30_000 });
    if (!itemLease.ok) throw new Error('lease refused');
    const heard: number[] = [];
    const unsubscribe = await shard.onWake((dueAt) => heard.push(dueAt));
    try {
      const pl = await shard.leasePartition(ref('f1'), 4000);
      if (!pl.ok) throw new Error('partition lease refused');
      clock.advance(100);
      // The scanner's pass is refused for capacity; meanwhile the item in flight completes.
      expect(await shard.dequeue(peeked!.item, itemLease.leaseId)).toEqual({ ok: true });
      const opts = { at: T0 + 5100, force: true, leaseId: pl.leaseId };
      expect(await shard.requeuePartition(ref('f1'), opts)).toBe('ok');
      expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
        T0 + 100,
      );
      const meta = JSON.parse((await redis.raw.hget(shard.keys.partitions(), 'fn:a1:f1'))!);
      expect(meta.forcedUntil).toBeUndefined();
      expect(meta.freed).toBeUndefined();
      await waitUntil(() => heard.length > 0);
      expect(heard).toContain(T0 + 100);
      // With nothing freed during the next lease, a forced requeue holds again.
      const again = await shard.leasePartition(ref('f1'), 4000);
      if (!again.ok) throw new Error('partition lease refused');
      expect(
        await shard.requeuePartition(ref('f1'), {
          at: T0 + 5100,
          force: true,
          leaseId: again.leaseId,
        }),
      ).toBe('ok');
      expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
        T0 + 5100,
      );
    } finally {
      await unsubscribe();
    }
  });

  it('a repeated dequeue changes nothing: the tombstone keeps its expiry, a force set since stays', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const x = (await queue.enqueue({ ...base, id: 'x' })).item;
    await queue.enqueue({ ...base, id: 'y' });
    const lease = await shard.lease(x, { durationMs: 5000 });
    if (!lease.ok) throw new Error('lease refused');
    expect(await shard.dequeue(x, lease.leaseId)).toEqual({ ok: true });
    const tombstone = await redis.raw.get(shard.keys.tombstone('x'));
    const p = { id: x.partitionId, accountId: x.accountId!, functionId: x.functionId! };
    await shard.requeuePartition(p, { at: clock.now() + 60_000, force: true });
    clock.advance(1000);
    expect(await shard.dequeue(x, lease.leaseId)).toEqual({ ok: true });
    expect(await redis.raw.get(shard.keys.tombstone('x'))).toBe(tombstone);
    const pointer = Number(await redis.raw.zscore(shard.keys.globalPartitions(), p.id));
    expect(pointer).toBe(T0 + 60_000);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });
});
