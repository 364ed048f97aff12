import { ulidTime } from '../../src/internal.js';
import type { Checker } from './checker.js';

/**
 * Contract point 6: a fenced call (extend, dequeue, requeue) succeeds only with the item's latest
 * lease, unexpired at the caller's clock. An unfenced dequeue (lease '') is a cancellation.
 */
export const fencing: Checker = {
  before(process, e, ctx) {
    if (e.type !== 'fenced' || e.leaseId === '') return;
    const latest = ctx.leases.latest.get(e.itemId);
    if (latest !== e.leaseId)
      ctx.fail('fencing', `${e.op} of ${e.itemId} by ${process} succeeded with a stale lease`);
    if (ulidTime(e.leaseId) <= e.processNow) {
      ctx.fail('fencing', `${e.op} of ${e.itemId} by ${process} succeeded with an expired lease`);
    }
  },
};
