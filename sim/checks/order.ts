import type { Checker } from './checker.js';

/**
 * Contract point 5: a FIFO batch (leaseBatch, or a partitionPass) leases in score order, and
 * stops at the first function or account limit: every later item must answer NOT_ATTEMPTED.
 */
export const fifoOrder: Checker = {
  before(_process, e, ctx) {
    if (e.type !== 'batch' || !e.fifo) return;
    let stopped = false;
    let lastScore = -Infinity;
    for (const { itemId, status } of e.looked) {
      if (stopped && status !== 'NOT_ATTEMPTED') {
        const what = e.script === 'leaseBatch' ? 'batch' : 'pass';
        ctx.fail(
          'order',
          `FIFO ${what} on ${e.partitionId} went on past a function/account limit (${itemId ?? '?'}, ${status})`,
        );
      }
      if (status === 'FUNCTION_LIMIT' || status === 'ACCOUNT_LIMIT') stopped = true;
      if (status !== 'OK' || itemId === null) continue;
      const score = ctx.items.get(itemId)?.score ?? 0;
      if (score < lastScore)
        ctx.fail(
          'order',
          `FIFO ${e.script} on ${e.partitionId} leased ${itemId} out of score order`,
        );
      lastScore = score;
    }
  },
};
