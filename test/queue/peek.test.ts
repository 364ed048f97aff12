import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

const P = { id: 'fn:a1:f1', accountId: 'a1' };
const item = (at: number) => ({ kind: 'sleep' as const, accountId: 'a1', functionId: 'f1', at });

describe('peek', () => {
  const redis = useRedis();

  it('returns ready items due by `until` in score order, up to the limit', async () => {
    const { queue, shard } = freshQueue(redis);
    for (const at of [T0 + 300, T0 + 100, T0 + 200, T0 + 5000])
      await queue.enqueue({ ...item(at), id: `i${at - T0}` });
    const all = await shard.peek(P, T0 + 1000, 10);
    expect(all.map((p) => p.item.id)).toEqual(['i100', 'i200', 'i300']);
    expect(all.map((p) => p.score)).toEqual([T0 + 100, T0 + 200, T0 + 300]);
    expect((await shard.peek(P, T0 + 1000, 2)).map((p) => p.item.id)).toEqual(['i100', 'i200']);
    expect(await shard.peek(P, T0 + 99, 10)).toEqual([]);
  });

  it('excludes leased items and shows them again once scavenged', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    await queue.enqueue({ ...item(T0), id: 'a' });
    await queue.enqueue({ ...item(T0 + 1), id: 'b' });
    const [first] = await shard.peek(P, T0 + 10, 1);
    const lease = await shard.lease(first!.item, { durationMs: 5000 });
    expect(lease.ok).toBe(true);
    expect((await shard.peek(P, T0 + 10, 10)).map((p) => p.item.id)).toEqual(['b']);
    clock.advance(5000);
    await shard.scavenge();
    const again = await shard.peek(P, clock.now(), 10);
    expect(again.map((p) => p.item.id)).toEqual(['a', 'b']);
    expect(again[0]?.item.scavengeCount).toBe(1);
    expect(again[0]?.item.generation).toBe(2);
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

  it('an empty or unknown partition peeks as empty', async () => {
    const { shard } = freshQueue(redis);
    expect(await shard.peek({ id: 'fn:nothing', accountId: 'a1' }, T0, 10)).toEqual([]);
  });
});
