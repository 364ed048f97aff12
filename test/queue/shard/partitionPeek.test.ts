import { describe, expect, it } from 'vitest';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';
import { edge } from './fixtures.js';

describe('partitionPeek (lua/queue/partitionPeek-2.lua): shard.peekPartitions', () => {
  const redis = useRedis();

  it('global peek returns due partitions with metadata, in score order; `due` counts all', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue(edge('f1', 'a1', T0 + 300));
    await queue.enqueue(edge('f2', 'a2', T0 + 100));
    await queue.enqueue(edge('f3', 'a1', T0 + 200));
    await queue.enqueue(edge('f4', 'a1', T0 + 9000));
    const r = await shard.peekPartitions({ untilMs: T0 + 1000, limit: 2, order: 'score' });
    expect(r.due).toBe(3);
    expect(r.partitions.map((p) => [p.id, p.accountId, p.score])).toEqual([
      ['fn:a2:f2', 'a2', T0 + 100],
      ['fn:a1:f3', 'a1', T0 + 200],
    ]);
  });

  it('random order starts at a seeded offset, covering every due partition over many peeks', async () => {
    const { queue, shard } = freshQueue(redis, { seed: 7 });
    for (let i = 0; i < 20; i++) await queue.enqueue(edge(`f${i}`, 'a1', T0 + i));
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const r = await shard.peekPartitions({ untilMs: T0 + 100, limit: 3, order: 'random' });
      expect(r.due).toBe(20);
      expect(r.partitions).toHaveLength(3);
      for (const p of r.partitions) seen.add(p.id);
    }
    expect(seen.size).toBe(20);
  });
});
