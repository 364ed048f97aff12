import type { QueueItem } from '../queue/item.js';
import type { HandlerContext } from '../queue/processor/run/handler.js';
import type { ExecutorContext } from './context.js';
import { JobIds } from './job-ids.js';
import type { RunMeta } from '../state/run.js';
import type { CancelReason } from './cancel-reason.js';
import { buildRunItem, identityOf } from './run-items.js';

export interface FinishRequest {
  /** The run, as last read (its identity and idempotency key). */
  meta: RunMeta;
  status: 'completed' | 'failed' | 'cancelled';
  result?: unknown;
  error?: unknown;
  /** The leased item whose outcome ends the run (acked with it); none for a cancel from outside. */
  current?: { item: QueueItem; handler: HandlerContext };
  /** Why it is cancelled (status 'cancelled'), recorded with the run. */
  cancelReason?: CancelReason;
}

/**
 * Ends a run (reference §12) in one script: the terminal status is the finish claim, the memo,
 * pending set, queue items and pauses go, and the finish item that emits the terminal events is
 * enqueued. Resolves to whether this call ended it (false: it had ended, or the lease was lost).
 */
export async function finishRun(ctx: ExecutorContext, req: FinishRequest): Promise<boolean> {
  // The finish item retries as system items do (21 attempts), whatever the run's own budget.
  const finishItem = buildRunItem(
    ctx,
    'finish',
    JobIds.finish(req.meta.id),
    identityOf(req.meta),
    {},
  );
  const identity = identityOf(req.meta);
  const input = {
    runId: req.meta.id,
    idempotencyKey: req.meta.idempotencyKey,
    status: req.status,
    retentionMs: ctx.retentionMs,
    finishItem,
    // Any of its step items: their concurrency keys' slots go with the items swept.
    ...(identity.flow?.customKeys !== undefined
      ? { keyedItem: buildRunItem(ctx, 'edge', `${req.meta.id}-keys`, identity, {}) }
      : {}),
    // The run's pauses go with it; their event indexes are cleaned lazily (ingestEvents).
    pauses: [],
    ...(req.meta.singletonLock !== undefined ? { singletonLock: req.meta.singletonLock } : {}),
    ...(req.result !== undefined ? { resultJson: JSON.stringify(req.result) } : {}),
    ...(req.error !== undefined ? { errorJson: JSON.stringify(req.error) } : {}),
    ...(req.cancelReason !== undefined ? { cancelReason: req.cancelReason } : {}),
  };
  const current = req.current;
  const r = current
    ? await current.handler.settle((leaseId) =>
        ctx.store.finishRun({ ...input, current: { item: current.item, leaseId } }),
      )
    : await ctx.store.finishRun(input);
  if (r.status === 'lease-lost')
    ctx.log('warn', `run ${req.meta.id}: lease lost before its finish (${r.reason})`);
  return r.status === 'finished';
}
