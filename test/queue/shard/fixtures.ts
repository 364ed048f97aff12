/**
 * Setup shared by several script test files in this folder (each file still starts its own
 * redis-server with useRedis()).
 */
import type { EnqueueInput } from '../../../src/queue/item.js';
import { freshQueue, T0, type RedisHandle } from '../../../testkit/redis-fixture.js';

/**
 * An edge item with one custom key, so that a lease enters every in-progress set
 * (the item-lease tests: extendLease, dequeue, dequeueBatch, requeue, scavengePartition).
 */
export const customKeyedEdge: EnqueueInput = {
  kind: 'edge',
  accountId: 'a1',
  functionId: 'f1',
  customKeys: [{ scope: 'fn', key: 'k', limit: 9 }],
};

/** `leased(durationMs)`: a fresh queue holding one leased `customKeyedEdge` item. */
export function leaser(redis: RedisHandle) {
  return async function leased(durationMs = 10_000) {
    const ctx = freshQueue(redis);
    const { item } = await ctx.queue.enqueue(customKeyedEdge);
    const lease = await ctx.shard.lease(item, { durationMs });
    if (!lease.ok) throw new Error('lease refused');
    return { ...ctx, item, leaseId: lease.leaseId };
  };
}

/** An edge item of function `functionId` in `accountId`, due at `at` (the partition tests). */
export const edge = (functionId: string, accountId = 'a1', at = T0) => ({
  kind: 'edge' as const,
  accountId,
  functionId,
  at,
});

/** The partition of function `functionId` in `accountId`. */
export const ref = (functionId: string, accountId = 'a1') => ({
  id: `fn:${accountId}:${functionId}`,
  accountId,
  functionId,
});
