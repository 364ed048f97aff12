import { describe, expect, it } from 'vitest';
import type { EnqueueInput } from '../../src/queue/item.js';
import { expectHealthy, readShardState } from '../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

const base: EnqueueInput = {
  kind: 'edge',
  accountId: 'a1',
  functionId: 'f1',
  customKeys: [{ scope: 'fn', key: 'k', limit: 9 }],
};

describe('extend, dequeue and requeue are fenced by the lease', () => {
  const redis = useRedis();

  async function leased(durationMs = 10_000) {
    const ctx = freshQueue(redis);
    const { item } = await ctx.queue.enqueue(base);
    const lease = await ctx.shard.lease(item, { durationMs });
    if (!lease.ok) throw new Error('lease refused');
    return { ...ctx, item, leaseId: lease.leaseId };
  }

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

  it('dequeueBatch dequeues many, fencing each', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const items = [];
    for (let i = 0; i < 10; i++)
      items.push((await queue.enqueue({ ...base, functionId: `f${i % 3}` })).item);
    const leases = await Promise.all(items.map((item) => shard.lease(item, { durationMs: 5000 })));
    const entries = items.map((item, i) => ({
      item,
      leaseId: (leases[i] as { leaseId: string }).leaseId,
    }));
    entries[3] = { item: items[3]!, leaseId: '0'.repeat(26) };
    const results = await shard.dequeueBatch(entries);
    expect(results.filter((r) => r.ok)).toHaveLength(9);
    expect(results[3]).toEqual({ ok: false, reason: 'lease-mismatch' });
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect([...s.items.keys()]).toEqual([items[3]!.id]);
  });

  it('dequeueBatch naming an item twice: a repeat after its removal, or a fresh try after a refusal', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const a = (await queue.enqueue(base)).item;
    const b = (await queue.enqueue(base)).item;
    const la = (await shard.lease(a, { durationMs: 5000 })) as { leaseId: string };
    const lb = (await shard.lease(b, { durationMs: 5000 })) as { leaseId: string };
    const stale = '0'.repeat(26);
    const results = await shard.dequeueBatch([
      { item: a, leaseId: la.leaseId },
      { item: a, leaseId: la.leaseId }, // the same ack twice: done both times
      { item: b, leaseId: stale }, // refused...
      { item: b, leaseId: lb.leaseId }, // ...then the current lease removes it
    ]);
    expect(results).toEqual([
      { ok: true },
      { ok: true },
      { ok: false, reason: 'lease-mismatch' },
      { ok: true },
    ]);
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.items.size).toBe(0);
  });

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

describe('scavenge', () => {
  const redis = useRedis();

  it('returns expired leases to ready at their own score, counts them, and keeps the pointer at the earliest expiry', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const items = [];
    for (let i = 0; i < 3; i++) items.push((await queue.enqueue({ ...base, at: T0 + i })).item);
    await shard.lease(items[0]!, { durationMs: 1000 });
    await shard.lease(items[1]!, { durationMs: 3000 });
    await shard.lease(items[2]!, { durationMs: 2000 });
    clock.advance(2000);
    const r = await shard.scavenge();
    expect(r.itemIds.sort()).toEqual([items[0]!.id, items[2]!.id].sort());
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.scavenger.get('fn:a1:f1')).toBe(T0 + 3000);
    expect(s.ready.get('fn:a1:f1')?.get(items[0]!.id)).toBe(T0);
    expect(s.items.get(items[0]!.id)).toMatchObject({
      scavengeCount: 1,
      generation: 2,
      attempt: 0,
    });
    expect(await shard.scavenge()).toEqual({ partitions: 0, itemIds: [] });
    clock.advance(1000);
    expect((await shard.scavenge()).itemIds).toEqual([items[1]!.id]);
    const s2 = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s2.scavenger.size).toBe(0);
    expect(s2.ready.get('fn:a1:f1')?.size).toBe(3);
  });

  it('with a grace bound, leaves leases alone until expiry + grace', async () => {
    const { queue, shard, clock } = freshQueue(redis, { graceMs: 300 });
    const { item } = await queue.enqueue(base);
    await shard.lease(item, { durationMs: 1000 });
    clock.advance(1299);
    expect((await shard.scavenge()).itemIds).toEqual([]);
    clock.advance(1);
    expect((await shard.scavenge()).itemIds).toEqual([item.id]);
  });

  it('makes a scavenged partition reachable again and visits many partitions', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    for (let f = 0; f < 30; f++) {
      const { item } = await queue.enqueue({ ...base, functionId: `f${f}`, customKeys: [] });
      await shard.lease(item, { durationMs: 1000 });
      const p = { id: `fn:a1:f${f}`, accountId: 'a1' };
      await shard.requeuePartition(p, { at: T0 + 3_600_000 });
    }
    clock.advance(1000);
    const r = await shard.scavenge({ partitionsMax: 100 });
    expect(r.partitions).toBe(30);
    const due = await shard.peekPartitions({ untilMs: clock.now(), limit: 100, order: 'score' });
    expect(due.due).toBe(30);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });
});
