import { describe, expect, it } from 'vitest';
import { freshQueue, useRedis } from '../../../testkit/redis-fixture.js';

describe('roleLease (lua/queue/roleLease-1.lua): leaseRole and releaseRole', () => {
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
