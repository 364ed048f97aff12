import { unreachable } from '../../core/assert.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/rateLimit-3.lua */
export const rateLimitScript = defineScript({
  script: LUA_SCRIPTS.rateLimit,
  keys: ['idempotency', 'admitted', 'limit'],
  args: ['now', 'limit', 'burst', 'periodMs', 'admittedTtlMs'],
  statuses: ['OK', 'RATE_LIMITED'],
});

export interface RateLimitInput {
  /** The run's idempotency key: its admission is recorded, so a retry takes no capacity. */
  idempotencyKey: string;
  /** The rate-limit key (function, and key expression value). */
  limitKey: string;
  limit: number;
  burst: number;
  periodMs: number;
  /** How long a retried Schedule of an admitted run is admitted free, ms. */
  admittedTtlMs: number;
}

export type RateLimitResult = { status: 'admitted' } | { status: 'limited'; retryAt: number };

/** One GCRA admission for a run (reference §11.3); nothing is written when it is refused. */
export async function rateLimit(
  ctx: StateContext,
  input: RateLimitInput,
): Promise<RateLimitResult> {
  const reply = (await rateLimitScript.run(ctx.shard.transport, {
    keys: {
      idempotency: ctx.keys.idempotency(input.idempotencyKey),
      admitted: ctx.keys.rateLimitAdmitted(input.idempotencyKey),
      limit: ctx.keys.rateLimit(input.limitKey),
    },
    args: {
      now: ctx.shard.clock.now(),
      limit: input.limit,
      burst: input.burst,
      periodMs: input.periodMs,
      admittedTtlMs: input.admittedTtlMs,
    },
  })) as [number, number?];
  const status = rateLimitScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'admitted' };
    case 'RATE_LIMITED':
      return { status: 'limited', retryAt: Number(reply[1]) };
    default:
      return unreachable(status, 'rateLimit status');
  }
}
