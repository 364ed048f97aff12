import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

describe('role leases', () => {
  const redis = useRedis();

  it('one holder at a time; renew needs the current lease; an expired role can be taken; release frees it', async () => {
    const { shard, clock } = freshQueue(redis);
    const a = await shard.leaseRole('scavenger', 10_000, null);
    expect(a.ok).toBe(true);
    expect(await shard.leaseRole('scavenger', 10_000, null)).toEqual({ ok: false });
    expect(await shard.leaseRole('scavenger', 10_000, 'Z'.repeat(26))).toEqual({ ok: false });
    if (!a.ok) return;
    const renewed = await shard.leaseRole('scavenger', 10_000, a.leaseId);
    expect(renewed.ok).toBe(true);
    expect((await shard.leaseRole('sequential', 10_000, null)).ok).toBe(true);
    clock.advance(10_000);
    const b = await shard.leaseRole('scavenger', 10_000, null);
    expect(b.ok).toBe(true);
    if (!b.ok || !renewed.ok) return;
    expect(await shard.leaseRole('scavenger', 10_000, renewed.leaseId)).toEqual({ ok: false });
    await shard.releaseRole('scavenger', renewed.leaseId); // stale: no effect
    expect(await shard.leaseRole('scavenger', 10_000, null)).toEqual({ ok: false });
    await shard.releaseRole('scavenger', b.leaseId);
    expect((await shard.leaseRole('scavenger', 10_000, null)).ok).toBe(true);
  });
});

describe('wake-ups and next due time', () => {
  const redis = useRedis();

  it('nextDueAt is the earliest partition score, null when empty', async () => {
    const { queue, shard } = freshQueue(redis);
    expect(await shard.nextDueAt()).toBeNull();
    await queue.enqueue({ kind: 'sleep', accountId: 'a', functionId: 'f1', at: T0 + 9000 });
    await queue.enqueue({ kind: 'sleep', accountId: 'a', functionId: 'f2', at: T0 + 4000 });
    expect(await shard.nextDueAt()).toBe(T0 + 4000);
  });

  it('publishes when a partition becomes due earlier, and not for work behind an already-due pointer', async () => {
    const { queue, shard } = freshQueue(redis);
    const heard: number[] = [];
    const unsubscribe = await shard.onWake((dueAt) => heard.push(dueAt));
    try {
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 + 5000 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 });
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f1', at: T0 + 100 });
      await redis.raw.ping();
      for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard).toEqual([T0 + 5000, T0]);
    } finally {
      await unsubscribe();
    }
  });
});
