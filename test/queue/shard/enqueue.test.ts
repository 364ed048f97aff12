import { describe, expect, it } from 'vitest';
import { ulid } from '../../../src/core/ulid.js';
import { seededRandom } from '../../../src/core/random.js';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';

const fn = (id = 'f1', accountId = 'a1') => ({ kind: 'edge' as const, accountId, functionId: id });

describe('enqueue (lua/queue/enqueue-7.lua)', () => {
  const redis = useRedis();

  it('stores the item, creates the partition and sets global, account and accounts pointers', async () => {
    const { queue, shard } = freshQueue(redis);
    const r = await queue.enqueue({ ...fn(), id: 'job-1', at: T0 + 5000, payload: { n: 1 } });
    expect(r.status).toBe('enqueued');
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.items.get('job-1')).toMatchObject({
      id: 'job-1',
      partitionId: 'fn:a1:f1',
      score: T0 + 5000,
      generation: 1,
    });
    expect(s.ready.get('fn:a1:f1')?.get('job-1')).toBe(T0 + 5000);
    expect(s.global.get('fn:a1:f1')).toBe(T0 + 5000);
    expect(s.accountPartitions.get('a1')?.get('fn:a1:f1')).toBe(T0 + 5000);
    expect(s.accounts.get('a1')).toBe(T0 + 5000);
  });

  it('moves pointers earlier for an earlier item, never before now, and never later', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue({ ...fn(), at: T0 + 10_000 });
    await queue.enqueue({ ...fn(), at: T0 + 20_000 });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(
      T0 + 10_000,
    );
    await queue.enqueue({ ...fn(), at: T0 - 60_000 });
    expect(Number(await redis.raw.zscore(shard.keys.globalPartitions(), 'fn:a1:f1'))).toBe(T0);
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('the accounts index holds each account at its earliest partition', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue({ ...fn('f1'), at: T0 + 9000 });
    await queue.enqueue({ ...fn('f2'), at: T0 + 3000 });
    await queue.enqueue({ ...fn('f3', 'a2'), at: T0 + 7000 });
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.accounts.get('a1')).toBe(T0 + 3000);
    expect(s.accounts.get('a2')).toBe(T0 + 7000);
    expect([...(s.accountPartitions.get('a1')?.keys() ?? [])].sort()).toEqual([
      'fn:a1:f1',
      'fn:a1:f2',
    ]);
  });

  it('refuses an existing ID and leaves the first item untouched', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue({ ...fn(), id: 'dup', payload: 'first' });
    const again = await queue.enqueue({ ...fn('f2'), id: 'dup', payload: 'second' });
    expect(again.status).toBe('exists');
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.items.get('dup')?.payloadJson).toBe('"first"');
    expect(s.partitions.has('fn:a1:f2')).toBe(false);
    expect(s.global.has('fn:a1:f2')).toBe(false);
  });

  it('a tombstone refuses the ID after dequeue until it expires (compared with ARGV now)', async () => {
    const { queue, shard, clock } = freshQueue(redis, { tombstoneTtlMs: 60_000 });
    const r = await queue.enqueue({ ...fn(), id: 'once' });
    expect((await shard.dequeue(r.item, null)).ok).toBe(true);
    expect((await queue.enqueue({ ...fn(), id: 'once' })).status).toBe('tombstoned');
    clock.advance(59_999);
    expect((await queue.enqueue({ ...fn(), id: 'once' })).status).toBe('tombstoned');
    const s = await expectHealthy(redis.raw, shard.keys, clock.now());
    expect(s.items.size).toBe(0);
    expect(s.partitions.size).toBe(0);
    clock.advance(1);
    expect((await queue.enqueue({ ...fn(), id: 'once' })).status).toBe('enqueued');
    expect(await redis.raw.exists(shard.keys.tombstone('once'))).toBe(0);
  });

  it('a per-item idempotency TTL overrides the shard default, and 0 keeps no tombstone', async () => {
    const { queue, shard, clock } = freshQueue(redis, { tombstoneTtlMs: 3_600_000 });
    const short = await queue.enqueue({ ...fn(), id: 'short', idempotencyTtlMs: 1000 });
    const none = await queue.enqueue({ ...fn(), id: 'none', idempotencyTtlMs: 0 });
    await shard.dequeueBatch([
      { item: short.item, leaseId: null },
      { item: none.item, leaseId: null },
    ]);
    expect((await queue.enqueue({ ...fn(), id: 'none' })).status).toBe('enqueued');
    expect((await queue.enqueue({ ...fn(), id: 'short' })).status).toBe('tombstoned');
    clock.advance(1000);
    expect((await queue.enqueue({ ...fn(), id: 'short' })).status).toBe('enqueued');
  });

  it('system items go to a partition named after their queue, outside every account index', async () => {
    const { queue, shard } = freshQueue(redis);
    const r = await queue.enqueue({ kind: 'debounce', queueName: 'debounce', accountId: 'a1' });
    expect(r.item.partitionId).toBe('sys:debounce');
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.global.has('sys:debounce')).toBe(true);
    expect(s.accounts.size).toBe(0);
    expect(s.accountPartitions.size).toBe(0);
  });

  it('scores due start/edge items at their run start minus the priority factor; sleeps and future items keep their time', async () => {
    const { queue } = freshQueue(redis);
    const runId = ulid(T0 - 600_000, seededRandom(3));
    const edge = await queue.enqueue({ ...fn(), runId });
    expect(edge.item.score).toBe(T0 - 600_000);
    const boosted = await queue.enqueue({ ...fn(), runId, priorityFactorS: 60 });
    expect(boosted.item.score).toBe(T0 - 660_000);
    expect(boosted.item.at).toBe(T0 - 60_000);
    const sleep = await queue.enqueue({
      kind: 'sleep',
      accountId: 'a1',
      functionId: 'f1',
      runId,
      priorityFactorS: 60,
    });
    expect(sleep.item.score).toBe(T0 - 600_000);
    const future = await queue.enqueue({ ...fn(), runId, at: T0 + 4000, priorityFactorS: 60 });
    expect(future.item.score).toBe(T0 + 4000);
    const debounce = await queue.enqueue({ kind: 'debounce', queueName: 'd', runId });
    expect(debounce.item.score).toBe(T0);
  });

  it('round-trips payloads exactly, including large numbers and empty arrays, through Lua edits', async () => {
    const { queue, shard } = freshQueue(redis);
    const payload = {
      big: 1234567890123456,
      precise: 0.1 + 0.2,
      empty: [],
      nested: { s: 'a/b"c\u00e9' },
    };
    const r = await queue.enqueue({ ...fn(), payload });
    const [peeked] = await shard.peek({ id: 'fn:a1:f1', accountId: 'a1' }, T0, 1);
    const lease = await shard.lease(peeked!.item, { durationMs: 1000 });
    if (!lease.ok) throw new Error('lease refused');
    await shard.requeue(peeked!.item, lease.leaseId, { at: T0, consumeAttempt: true });
    const stored = await shard.getItem(r.item.id);
    expect(stored?.payloadJson).toBe(JSON.stringify(payload));
    expect(stored?.attempt).toBe(1);
  });
});
