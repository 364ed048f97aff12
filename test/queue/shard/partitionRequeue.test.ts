import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { edge, ref } from './fixtures.js';

// A dequeue that frees capacity while a scanner holds the partition (and so cancels its forced
// requeue) is tested in dequeue.test.ts.
describe('partitionRequeue (lua/queue/partitionRequeue-6.lua)', () => {
  const redis = useRedis();

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
