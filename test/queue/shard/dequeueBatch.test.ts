import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, useRedis } from '../../../testkit/redis-fixture.js';
import { customKeyedEdge as base } from './fixtures.js';

describe('dequeueBatch (lua/queue/dequeueBatch-n.lua)', () => {
  const redis = useRedis();

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

  it('a repeat of an ack from an earlier call answers OK and changes nothing, as a single dequeue', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const x = (await queue.enqueue({ ...base, id: 'x' })).item;
    await queue.enqueue({ ...base, id: 'y' });
    const lx = (await shard.lease(x, { durationMs: 5000 })) as { leaseId: string };
    expect(await shard.dequeueBatch([{ item: x, leaseId: lx.leaseId }])).toEqual([{ ok: true }]);
    const tombstone = await redis.raw.get(shard.keys.tombstone('x'));
    // The partition is forced out meanwhile (a scanner met a limit).
    const p = { id: x.partitionId, accountId: x.accountId!, functionId: x.functionId! };
    await shard.requeuePartition(p, { at: clock.now() + 60_000, force: true });
    clock.advance(1000);
    // The first reply was lost: the acker sends the same ack again in a later batch.
    expect(await shard.dequeueBatch([{ item: x, leaseId: lx.leaseId }])).toEqual([{ ok: true }]);
    expect(await redis.raw.get(shard.keys.tombstone('x'))).toBe(tombstone);
    const pointer = Number(await redis.raw.zscore(shard.keys.globalPartitions(), p.id));
    expect(pointer).toBe(clock.now() - 1000 + 60_000);
    await expectHealthy(redis.raw, shard.keys, clock.now());
  });
});
