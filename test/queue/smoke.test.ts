import { describe, expect, it } from 'vitest';
import { freshQueue, useRedis } from '../helpers/queue-fixture.js';

describe('smoke', () => {
  const redis = useRedis();
  it('enqueue, peek, lease, dequeue', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const r = await queue.enqueue({ kind: 'edge', accountId: 'a1', functionId: 'f1', payload: { x: 1 } });
    expect(r.status).toBe('enqueued');
    const peeked = await shard.peek({ id: 'fn:f1', accountId: 'a1' }, clock.now() + 1000, 10);
    expect(peeked).toHaveLength(1);
    const lease = await shard.lease(peeked[0]!.item, { durationMs: 30_000 });
    expect(lease.ok).toBe(true);
    if (!lease.ok) return;
    expect(await shard.dequeue(peeked[0]!.item, lease.leaseId)).toEqual({ ok: true });
    expect(await redis.raw.exists(shard.keys.partitions())).toBe(0);
  });
});
