import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { waitUntil } from '../../helpers/wait.js';

const P = { id: 'fn:a1:f1', accountId: 'a1', functionId: 'f1' };
const edge = (id: string, at = T0) => ({
  id,
  kind: 'edge' as const,
  accountId: 'a1',
  functionId: 'f1',
  at,
});
const opts = (want: number, extra: Record<string, unknown> = {}) => ({
  want,
  untilMs: T0 + 1000,
  leaseMs: 30_000,
  limits: { function: 100, account: 100 },
  concurrencyRequeueMs: 5000,
  requeueAt: T0 + 30_000,
  ...extra,
});

describe('partitionPass (lua/queue/partitionPass-11.lua): a whole pass in one call', () => {
  const redis = useRedis();

  it('leases due items in score order, returns them, and points the partition at what is left, with a wake-up', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    for (const [id, at] of [
      ['c', T0 + 30],
      ['a', T0 + 10],
      ['b', T0 + 20],
      ['late', T0 + 5000],
    ] as const)
      await queue.enqueue(edge(id, at));
    const heard: number[] = [];
    const unsubscribe = await shard.onWake((t) => heard.push(t));
    try {
      clock.advance(30); // 'c' is due now, so the pass that leaves it behind wakes processors
      const r = await shard.passPartition(P, opts(2));
      if (r.status !== 'ok') throw new Error(r.status);
      expect(r.leased.map((l) => l.item.id)).toEqual(['a', 'b']);
      expect(r.leased.every((l) => l.expiresAt === T0 + 30 + 30_000)).toBe(true);
      expect(r.looked).toBe(2);
      expect(await shard.getLeaseId('a')).toBe(r.leased[0]!.leaseId);
      // 'c' is still ready and due: the pointer is its score, and idle processors are woken.
      expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), P.id))).toBe(T0 + 30);
      await waitUntil(() => heard.length > 0);
      expect(heard).toEqual([T0 + 30]);
      await expectHealthy(redis.raw, shard.keys, clock.now());
      expect((await shard.passPartition(P, opts(10))).status).toBe('ok');
      expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), P.id))).toBe(T0 + 5000);
    } finally {
      await unsubscribe();
    }
  });

  it('a function limit stops a FIFO pass and forces the partition for the concurrency requeue time', async () => {
    const { queue, shard } = freshQueue(redis);
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue(edge(id));
    const r = await shard.passPartition(P, opts(4, { limits: { function: 2, account: 100 } }));
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.leased.map((l) => l.item.id)).toEqual(['a', 'b']);
    expect(r.refusals).toEqual(['function-limit', 'not-attempted']);
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), P.id))).toBe(T0 + 5000);
    const meta = JSON.parse((await redis.raw.hget(shard.keys.partitions(), P.id))!);
    expect(meta.forcedUntil).toBe(T0 + 5000);
    await expectHealthy(redis.raw, shard.keys, T0);
    // Capacity freed by a dequeue clears the force.
    expect(await shard.dequeue(r.leased[0]!.item, r.leased[0]!.leaseId)).toEqual({ ok: true });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), P.id))).toBe(T0);
  });

  it('refuses a partition another scanner holds, and one whose items carry custom keys', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('a'));
    const pl = await shard.leasePartition(P, 4000);
    expect(pl.ok).toBe(true);
    expect(await shard.passPartition(P, opts(5))).toEqual({ status: 'already-leased' });
    expect(await shard.getLeaseId('a')).toBeNull();
    await queue.enqueue({ ...edge('k'), customKeys: [{ scope: 'fn', key: 'u1', limit: 1 }] });
    const info = await shard.peekPartitions({ untilMs: T0 + 9000, limit: 10, order: 'score' });
    expect(info.partitions[0]?.constrained).toBe(true);
    if (!pl.ok) return;
    await shard.requeuePartition(P, { at: T0, force: false, leaseId: pl.leaseId });
    expect(await shard.passPartition(P, opts(5))).toEqual({ status: 'constrained' });
    expect(await shard.getLeaseId('a')).toBeNull();
    expect(await shard.passPartition({ id: 'fn:a1:none', accountId: 'a1' }, opts(5))).toEqual({
      status: 'not-found',
    });
  });

  it('marks and refuses a partition holding a custom-key item enqueued without the mark', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue({ ...edge('k'), customKeys: [{ scope: 'fn', key: 'u1', limit: 1 }] });
    // As an older version would have left it: the partition without the `c` mark.
    const meta = JSON.parse((await redis.raw.hget(shard.keys.partitions(), P.id))!);
    delete meta.c;
    await redis.raw.hset(shard.keys.partitions(), P.id, JSON.stringify(meta));
    expect(await shard.passPartition(P, opts(5))).toEqual({ status: 'constrained' });
    expect(await shard.getLeaseId('k')).toBeNull();
    const after = JSON.parse((await redis.raw.hget(shard.keys.partitions(), P.id))!);
    expect(after.c).toBe(1);
  });
});
