import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

/**
 * The clock-skew grace (graceMs) at the two sites that once ignored it. Another process's lease
 * counts until its expiry + graceMs: its clock may run behind ours by up to that much.
 */
describe('clock-skew grace', () => {
  const redis = useRedis();

  it("a dequeue within the grace of a forced partition's lease marks it freed: its forced hand-back is not forced", async () => {
    const { clock, queue, shard } = freshQueue(redis, { graceMs: 1000 });
    const base = { kind: 'edge' as const, accountId: 'a', functionId: 'f' };
    const { item: x } = await queue.enqueue({ ...base, id: 'x' });
    await queue.enqueue({ ...base, id: 'y' });
    const p = { id: x.partitionId, accountId: 'a', functionId: 'f' };
    const lease = await shard.lease(x, { durationMs: 60_000 });
    // The partition was forced out (a limit refused it), and a scanner leases it anyway, so its
    // pointer stays at the force, later than its lease expiry.
    await shard.requeuePartition(p, { at: T0 + 10_000, force: true });
    const pl = await shard.leasePartition(p, 4000);
    expect(lease.ok && pl.ok).toBe(true);
    if (!lease.ok || !pl.ok) return;
    // Our clock is past the scanner's partition lease, but within the grace: to the scanner (whose
    // clock may be 1 s behind) it still holds the partition.
    clock.advance(4500);
    expect(await shard.dequeue(x, lease.leaseId)).toEqual({ ok: true });
    // The scanner hands the partition back forced (it saw a limit); the freed capacity wins.
    const at = clock.now() + 5000;
    expect(await shard.requeuePartition(p, { at, force: true, leaseId: pl.leaseId })).toBe('ok');
    const pointer = Number(await redis.raw.zscore(shard.keys.globalPartitions(), p.id));
    expect(pointer).toBeLessThanOrEqual(clock.now());
  });

  it('a role lease counts for others until its expiry + grace', async () => {
    const { clock, shard } = freshQueue(redis, { graceMs: 1000 });
    const a = await shard.leaseRole('scavenger', 3000, null);
    expect(a.ok).toBe(true);
    clock.advance(3500); // expired by our clock, not by one 1 s behind
    expect(await shard.leaseRole('scavenger', 3000, null)).toEqual({ ok: false });
    clock.advance(501); // past expiry + grace
    const b = await shard.leaseRole('scavenger', 3000, null);
    expect(b.ok).toBe(true);
  });

  it('with no grace the role is free at its expiry', async () => {
    const { clock, shard } = freshQueue(redis);
    expect((await shard.leaseRole('sequential', 3000, null)).ok).toBe(true);
    clock.advance(3000);
    expect((await shard.leaseRole('sequential', 3000, null)).ok).toBe(true);
  });
});
