import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';

const P = { id: 'fn:a1:f1', accountId: 'a1' };
const item = (at: number) => ({ kind: 'sleep' as const, accountId: 'a1', functionId: 'f1', at });

describe('peek (lua/queue/peek-2.lua)', () => {
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

  it('an empty or unknown partition peeks as empty', async () => {
    const { shard } = freshQueue(redis);
    expect(await shard.peek({ id: 'fn:nothing', accountId: 'a1' }, T0, 10)).toEqual([]);
  });
});
