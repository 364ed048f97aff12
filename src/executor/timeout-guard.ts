import type { QueueItem } from '../queue/item.js';
import { DeferError, type HandlerContext } from '../queue/processor/run/handler.js';
import { isOpen } from '../state/run.js';
import type { LoadedRun } from '../state/shard/loadRun.js';
import type { ExecutorContext } from './context.js';
import { finishRun } from './finalize.js';
import type { FunctionDefinition } from './function-config.js';
import type { RunItemPayload } from './item-payload.js';
import { identityOf } from './run-items.js';
import {
  deadlineOf,
  hasTimeouts,
  missedTimeout,
  TIMEOUT_REASONS,
  timeoutItem,
  timeoutsOf,
  type TimeoutKind,
} from './timeouts.js';

export interface GuardInput {
  loaded: LoadedRun;
  fn: FunctionDefinition;
  item: QueueItem;
  handler: HandlerContext;
}

/**
 * Execute's timeout check (reference §6 steps 5–7), before the SDK is called: a run past its
 * start or finish deadline is cancelled instead (with this item acked), so that a run past its
 * deadline never starts another step. A run's first step marks it started before its request
 * (so a retried first attempt is not a run that never started) and enqueues the finish-timeout
 * item. Resolves to true when the step must not run (cancelled now, or ended meanwhile).
 */
export async function guardTimeouts(ctx: ExecutorContext, input: GuardInput): Promise<boolean> {
  const t = timeoutsOf(input.fn);
  if (!hasTimeouts(t)) return false;
  const { meta } = input.loaded;
  const now = ctx.clock.now();
  const missed = missedTimeout(meta, t, now);
  if (missed !== undefined) {
    await finishRun(ctx, {
      meta,
      status: 'cancelled',
      cancelReason: TIMEOUT_REASONS[missed],
      current: { item: input.item, handler: input.handler },
    });
    return true;
  }
  if (meta.startedAt !== undefined) return false;
  const r = await ctx.store.startRun({
    runId: meta.id,
    located: input.item,
    now,
    ...(t.finishMs !== undefined
      ? { cancelItem: timeoutItem(ctx, 'finish', identityOf(meta), now + t.finishMs) }
      : {}),
  });
  return r.status !== 'started';
}

/**
 * A timeout's eager cancel item fires (reference §11.7): with the function's live config, it
 * cancels the run if the deadline still applies and has passed. Nothing happens when the run
 * has ended, the function or its timeout is gone, or (start) the run has started; a deadline
 * moved later (the timeout was raised by a re-sync) brings the item back at the new deadline.
 */
export async function onTimeoutItem(
  ctx: ExecutorContext,
  kind: TimeoutKind,
  item: QueueItem,
  payload: RunItemPayload,
  handler: HandlerContext,
): Promise<void> {
  const loaded = await ctx.store.loadRun(payload.runId, payload.functionId);
  if (loaded === null || !isOpen(loaded.meta.status) || loaded.functionJson === null) return;
  const fn = JSON.parse(loaded.functionJson) as FunctionDefinition;
  const deadline = deadlineOf(kind, loaded.meta, timeoutsOf(fn));
  if (deadline === undefined) return;
  if (ctx.clock.now() < deadline)
    throw new DeferError(`the ${kind} timeout of run ${payload.runId} moved later`, deadline);
  await finishRun(ctx, {
    meta: loaded.meta,
    status: 'cancelled',
    cancelReason: TIMEOUT_REASONS[kind],
    current: { item, handler },
  });
}
