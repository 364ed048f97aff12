import type { SkipReason } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import { parseDurationMs } from './duration.js';
import type { SdkEvent } from './event.js';
import { flowKeyOf } from './flow-key.js';
import type { FunctionDefinition } from './function-config.js';

/** `idempotency: "<expr>"` is this rate limit: one run per key per 24 h (reference §11.3). */
export const IDEMPOTENCY_PERIOD_MS = 24 * 3_600_000;
/** How long a retried Schedule of an admitted run is admitted without taking capacity. */
export const RATE_LIMIT_ADMITTED_TTL_MS = 30 * 60_000;

/** A function's effective rate limit: `idempotency` replaces `rateLimit`. */
export interface RateLimitPlan {
  limit: number;
  periodMs: number;
  key?: string;
  reason: SkipReason;
}

export function rateLimitOf(fn: FunctionDefinition): RateLimitPlan | undefined {
  if (fn.idempotency !== undefined)
    return {
      limit: 1,
      periodMs: IDEMPOTENCY_PERIOD_MS,
      key: fn.idempotency,
      reason: 'idempotency',
    };
  const r = fn.rateLimit;
  if (r === undefined) return undefined;
  return {
    limit: r.limit,
    periodMs: parseDurationMs(r.period) as number, // checked at sync
    ...(r.key !== undefined ? { key: r.key } : {}),
    reason: 'rate-limit',
  };
}

/**
 * Schedule's rate limit (reference §4.1 step 2, §11.3): GCRA per key, at most limit +
 * floor(limit / 10) runs at once, then one per period / limit. Resolves to the skip reason when
 * the run is over the limit, null when it may go on (also: no limit, or its key expression is
 * false for this event). A retried Schedule of an admitted run (same idempotency key) takes no
 * capacity again.
 */
export async function rateLimitSkip(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  event: SdkEvent,
  idempotencyKey: string,
): Promise<SkipReason | null> {
  const plan = rateLimitOf(fn);
  if (plan === undefined) return null;
  const field = plan.reason === 'idempotency' ? 'idempotency' : 'rateLimit.key';
  const limitKey = flowKeyOf(fn.id, plan.key, event, `${field} of ${fn.id}`);
  if (limitKey === null) return null;
  const r = await ctx.store.rateLimit({
    idempotencyKey,
    limitKey,
    limit: plan.limit,
    burst: Math.floor(plan.limit / 10),
    periodMs: plan.periodMs,
    admittedTtlMs: RATE_LIMIT_ADMITTED_TTL_MS,
  });
  return r.status === 'limited' ? plan.reason : null;
}
