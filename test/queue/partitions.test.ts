import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';
import { waitUntil } from '../helpers/wait.js';

const edge = (functionId: string, accountId = 'a1', at = T0) => ({
  kind: 'edge' as const,
  accountId,
  functionId,
  at,
});
const ref = (functionId: string, accountId = 'a1') => ({
  id: `fn:${accountId}:${functionId}`,
  accountId,
  functionId,
});

describe('partition peek and account peek', () => {
  const redis = useRedis();

  it('global peek returns due partitions with metadata, in score order; `due` counts all', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('f1', 'a1', T0 + 300));
    await queue.enqueue(edge('f2', 'a2', T0 + 100));
    await queue.enqueue(edge('f3', 'a1', T0 + 200));
    await queue.enqueue(edge('f4', 'a1', T0 + 9000));
    const r = await shard.peekPartitions({ untilMs: T0 + 1000, limit: 2, order: 'score' });
    expect(r.due).toBe(3);
    expect(r.partitions.map((p) => [p.id, p.accountId, p.score])).toEqual([
      ['fn:a2:f2', 'a2', T0 + 100],
      ['fn:a1:f3', 'a1', T0 + 200],
    ]);
  });

  it('random order starts at a seeded offset, covering every due partition over many peeks', async () => {
    const { queue, shard } = freshQueue(redis, { seed: 7 });
    for (let i = 0; i < 20; i++) await queue.enqueue(edge(`f${i}`, 'a1', T0 + i));
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const r = await shard.peekPartitions({ untilMs: T0 + 100, limit: 3, order: 'random' });
      expect(r.due).toBe(20);
      expect(r.partitions).toHaveLength(3);
      for (const p of r.partitions) seen.add(p.id);
    }
    expect(seen.size).toBe(20);
  });

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

describe('partition lease and requeue', () => {
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

  it('a non-forced requeue points at the earliest ready item when that is earlier than `at`', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('f1', 'a1', T0 + 2000));
    const lease = await shard.leasePartition(ref('f1'), 4000);
    if (!lease.ok) throw new Error('lease refused');
    expect(
      await shard.requeuePartition(ref('f1'), { at: T0 + 3_600_000, leaseId: lease.leaseId }),
    ).toBe('ok');
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
      T0 + 2000,
    );
    const meta = JSON.parse((await redis.raw.hget(shard.keys.partitions(), 'fn:a1:f1')) as string);
    expect(meta.leaseId).toBeUndefined();
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('a forced requeue holds the pointer at `at` against new enqueues until a dequeue frees capacity', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const a = await queue.enqueue(edge('f1'));
    const [peeked] = await shard.peek(ref('f1'), T0, 1);
    const itemLease = await shard.lease(peeked!.item, { durationMs: 30_000 });
    await queue.enqueue(edge('f1'));
    expect(await shard.requeuePartition(ref('f1'), { at: T0 + 5000, force: true })).toBe('ok');
    await queue.enqueue(edge('f1'));
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
      T0 + 5000,
    );
    await expectHealthy(redis.raw, shard.keys, T0);
    clock.advance(100);
    if (!itemLease.ok) throw new Error('lease refused');
    expect(await shard.dequeue(a.item, itemLease.leaseId)).toEqual({ ok: true });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
      T0 + 100,
    );
    const meta = JSON.parse((await redis.raw.hget(shard.keys.partitions(), 'fn:a1:f1')) as string);
    expect(meta.forcedUntil).toBeUndefined();
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

  it('requeue fenced by a stale partition lease is refused', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    await queue.enqueue(edge('f1'));
    const stale = await shard.leasePartition(ref('f1'), 1000);
    clock.advance(1000);
    await shard.leasePartition(ref('f1'), 1000);
    if (!stale.ok) throw new Error('lease refused');
    expect(await shard.requeuePartition(ref('f1'), { at: T0, leaseId: stale.leaseId })).toBe(
      'lease-mismatch',
    );
  });

  it('an empty partition is garbage-collected from metadata, global, account and accounts indexes', async () => {
    const { queue, shard } = freshQueue(redis);
    const r = await queue.enqueue(edge('f1'));
    await queue.enqueue(edge('f2'));
    // Remove the item behind the scripts' back so the partition is empty but not yet collected.
    await redis.raw.hdel(shard.keys.items(), r.item.id);
    await redis.raw.zrem(shard.keys.ready('fn:a1:f1'), r.item.id);
    expect(await shard.requeuePartition(ref('f1'), { at: T0 })).toBe('garbage-collected');
    expect(await shard.requeuePartition(ref('f1'), { at: T0 })).toBe('not-found');
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.partitions.has('fn:a1:f1')).toBe(false);
    expect(s.global.has('fn:a1:f1')).toBe(false);
    expect(s.accountPartitions.get('a1')?.has('fn:a1:f1')).toBe(false);
    expect(s.accounts.has('a1')).toBe(true);
  });

  it('a partition with an in-flight item is not collected', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('f1'));
    const [p] = await shard.peek(ref('f1'), T0, 1);
    await shard.lease(p!.item, { durationMs: 30_000 });
    expect(await shard.requeuePartition(ref('f1'), { at: T0 + 30_000 })).toBe('ok');
    expect(await redis.raw.hexists(shard.keys.partitions(), 'fn:a1:f1')).toBe(1);
  });
});
