import { describe, expect, it } from 'vitest';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { customKeyedEdge as base } from './fixtures.js';

const P = { id: 'fn:a1:f1', accountId: 'a1' };
const item = (at: number) => ({ kind: 'sleep' as const, accountId: 'a1', functionId: 'f1', at });

describe('scavengePartition (lua/queue/scavengePartition-11.lua): shard.scavenge', () => {
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

  it('one scavenge pass returns every expired item of a partition, page by page, up to itemsMax', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    for (let i = 0; i < 250; i++) await queue.enqueue({ ...item(T0), id: `x${i}` });
    const peeked = await shard.peek(P, T0, 250);
    const leases = await shard.leaseBatch(
      peeked.map((p) => p.item),
      { durationMs: 1000, limits: { function: 1000, account: 1000 }, fifo: false },
    );
    expect(leases.every((l) => l.ok)).toBe(true);
    clock.advance(2000);
    const capped = await shard.scavenge({ itemsPerPartitionMax: 100, itemsMax: 150 });
    expect(capped.itemIds).toHaveLength(200); // stops after the page that reached the cap
    const rest = await shard.scavenge({ itemsPerPartitionMax: 100 });
    expect(rest.itemIds).toHaveLength(50);
    expect(new Set([...capped.itemIds, ...rest.itemIds]).size).toBe(250);
    expect(await shard.peek(P, clock.now(), 1000)).toHaveLength(250);
    await expect(shard.scavenge({ itemsPerPartitionMax: 0 })).rejects.toThrow(
      /itemsPerPartitionMax/,
    );
  });
});
