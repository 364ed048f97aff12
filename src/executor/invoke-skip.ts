import type { ExecutorContext } from './context.js';
import type { FunctionDefinition } from './function-config.js';

/**
 * Whether the run an invocation event started of `target` was skipped by the target's rate limit
 * (or idempotency, a rate limit of 1): then no run will finish to resume the invoking step, and
 * the parent gets Inngest's "invoked function is rate limited" at once (reference §9.3). No call
 * for a target without a rate limit. A retried attempt sends the same event (its ID derives from
 * the correlation ID), finds the same skipped run, and fails the step the same way.
 */
export async function invokeRateLimited(
  ctx: ExecutorContext,
  target: FunctionDefinition,
  invocationEventId: string,
): Promise<boolean> {
  if (target.rateLimit === undefined && target.idempotency === undefined) return false;
  const runs = await ctx.store.eventRuns(invocationEventId);
  const runId = Object.keys(runs).find((id) => runs[id] === target.id);
  if (runId === undefined) return false;
  const run = await ctx.store.readRun(runId);
  const reason = run?.meta.skipReason;
  return run?.meta.status === 'skipped' && (reason === 'rate-limit' || reason === 'idempotency');
}
