import { describe, expect, it } from 'vitest';
import type { EnqueueInput } from '../../../src/queue/item.js';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';

const base: EnqueueInput = { kind: 'edge', accountId: 'a1', functionId: 'f1' };

describe('lease (lua/queue/lease-10.lua)', () => {
  const redis = useRedis();

  it('leases: moves the item from ready to the lease index, counts it, sets the scavenger pointer', async () => {
    const { queue, shard } = freshQueue(redis);
    const { item } = await queue.enqueue({
      ...base,
      customKeys: [{ scope: 'account', key: 'u1', limit: 5 }],
    });
    const r = await shard.lease(item, {
      durationMs: 30_000,
      limits: { account: 10, function: 10 },
    });
    expect(r).toMatchObject({ ok: true, expiresAt: T0 + 30_000 });
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.ready.get('fn:a1:f1')?.size ?? 0).toBe(0);
    expect(s.leased.get('fn:a1:f1')?.get(item.id)).toBe(T0 + 30_000);
    expect(s.scavenger.get('fn:a1:f1')).toBe(T0 + 30_000);
    expect(s.inProgress.get(shard.keys.inProgressAccount('a1'))?.get(item.id)).toBe(T0 + 30_000);
    expect(s.inProgress.get(shard.keys.inProgressPartition('fn:a1:f1'))?.get(item.id)).toBe(
      T0 + 30_000,
    );
    expect(s.inProgress.get(shard.keys.inProgressCustom(item.customKeys[0]!.canonical))?.size).toBe(
      1,
    );
    // lease does not move the partition pointer
    expect(s.global.get('fn:a1:f1')).toBe(T0);
  });

  it('a double lease is refused until the first expires, then granted', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const { item } = await queue.enqueue(base);
    const first = await shard.lease(item, { durationMs: 1000 });
    expect(first.ok).toBe(true);
    expect(await shard.lease(item, { durationMs: 1000 })).toEqual({
      ok: false,
      reason: 'already-leased',
    });
    clock.advance(999);
    expect(await shard.lease(item, { durationMs: 1000 })).toEqual({
      ok: false,
      reason: 'already-leased',
    });
    clock.advance(1);
    const second = await shard.lease(item, { durationMs: 1000 });
    expect(second.ok).toBe(true);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });

  it('with a grace bound, other processes see a lease as held until expiry + grace', async () => {
    const { queue, shard, clock } = freshQueue(redis, { graceMs: 500 });
    const { item } = await queue.enqueue(base);
    await shard.lease(item, { durationMs: 1000 });
    clock.advance(1499);
    expect(await shard.lease(item, { durationMs: 1000 })).toEqual({
      ok: false,
      reason: 'already-leased',
    });
    clock.advance(1);
    expect((await shard.lease(item, { durationMs: 1000 })).ok).toBe(true);
  });

  it('refuses a missing item', async () => {
    const { queue, shard } = freshQueue(redis);
    const item = queue.buildItem(base);
    expect(await shard.lease(item, { durationMs: 1000 })).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });

  it.each([
    ['function-limit', { function: 1 }, {}],
    ['account-limit', { account: 1 }, {}],
    ['custom-key-1-limit', {}, { customKeys: [{ scope: 'fn' as const, key: 'k', limit: 1 }] }],
    [
      'custom-key-2-limit',
      {},
      {
        customKeys: [
          { scope: 'fn' as const, key: 'k', limit: 5 },
          { scope: 'account' as const, key: 'k', limit: 1 },
        ],
      },
    ],
  ])('names the refusing constraint: %s, and writes nothing', async (reason, limits, extra) => {
    const { queue, shard } = freshQueue(redis);
    const a = await queue.enqueue({ ...base, ...extra });
    const b = await queue.enqueue({ ...base, ...extra });
    expect((await shard.lease(a.item, { durationMs: 1000, limits })).ok).toBe(true);
    const before = await redis.raw.dump(shard.keys.ready('fn:a1:f1'));
    expect(await shard.lease(b.item, { durationMs: 1000, limits })).toEqual({ ok: false, reason });
    expect(await redis.raw.dump(shard.keys.ready('fn:a1:f1'))).toEqual(before);
    expect(await shard.getLeaseId(b.item.id)).toBeNull();
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('checks constraints in order: throttle, custom key 1, custom key 2, function, account', async () => {
    const { queue, shard } = freshQueue(redis);
    const input: EnqueueInput = {
      ...base,
      kind: 'start',
      throttle: { limit: 1, periodMs: 60_000 },
      customKeys: [
        { scope: 'fn', key: 'x', limit: 1 },
        { scope: 'fn', key: 'y', limit: 1 },
      ],
    };
    const limits = { function: 1, account: 1 };
    const first = await queue.enqueue(input);
    expect((await shard.lease(first.item, { durationMs: 60_000, limits })).ok).toBe(true);
    const second = await queue.enqueue(input);
    const r = await shard.lease(second.item, { durationMs: 60_000, limits });
    expect(r).toEqual({ ok: false, reason: 'throttled', retryAt: T0 + 60_000 });
  });

  it('expired leases stop counting against limits', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const a = await queue.enqueue(base);
    const b = await queue.enqueue(base);
    await shard.lease(a.item, { durationMs: 1000, limits: { function: 1 } });
    clock.advance(1000);
    expect((await shard.lease(b.item, { durationMs: 1000, limits: { function: 1 } })).ok).toBe(
      true,
    );
  });

  it('system partitions count against their own limit, not an account', async () => {
    const { queue, shard } = freshQueue(redis);
    const sys = { kind: 'cron' as const, queueName: 'cron', accountId: 'a1' };
    const a = await queue.enqueue(sys);
    const b = await queue.enqueue(sys);
    expect(
      (await shard.lease(a.item, { durationMs: 1000, limits: { account: 1, function: 1 } })).ok,
    ).toBe(true);
    expect(
      await shard.lease(b.item, { durationMs: 1000, limits: { account: 1, function: 1 } }),
    ).toEqual({
      ok: false,
      reason: 'function-limit',
    });
    expect(await redis.raw.exists(shard.keys.inProgressAccount('a1'))).toBe(0);
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('two accounts sharing a function ID get separate partitions, limits and counts', async () => {
    const { queue, shard } = freshQueue(redis);
    const a = await queue.enqueue({ ...base, accountId: 'a1' });
    const b = await queue.enqueue({ ...base, accountId: 'a2' });
    expect(a.item.partitionId).not.toBe(b.item.partitionId);
    const limits = { function: 1, account: 1 };
    const la = await shard.lease(a.item, { durationMs: 1000, limits });
    const lb = await shard.lease(b.item, { durationMs: 1000, limits });
    expect(la.ok && lb.ok).toBe(true);
    if (!la.ok || !lb.ok) return;
    await shard.dequeueBatch([
      { item: a.item, leaseId: la.leaseId },
      { item: b.item, leaseId: lb.leaseId },
    ]);
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.items.size).toBe(0);
  });

  it('rejects bad options with a named error', async () => {
    const { queue, shard } = freshQueue(redis);
    const { item } = await queue.enqueue(base);
    await expect(shard.lease(item, { durationMs: 0 })).rejects.toThrow(/durationMs/);
    await expect(shard.lease(item, { durationMs: 10, limits: { function: 1.5 } })).rejects.toThrow(
      /limits.function/,
    );
  });
});
