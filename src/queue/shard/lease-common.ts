import { checkIntOption } from '../../core/option-checks.js';
import { leaseRefusal, type FenceRefusal, type LeaseRefusal, type LeaseStatus } from '../status.js';
import type { ShardContext } from './context.js';

/** Concurrency limits checked at lease time; undefined means unlimited. */
export interface ConcurrencyLimits {
  account?: number;
  function?: number;
}

export interface LeaseOptions {
  durationMs: number;
  limits?: ConcurrencyLimits;
}

export type LeaseResult =
  | { ok: true; leaseId: string; expiresAt: number }
  | { ok: false; reason: LeaseRefusal; retryAt?: number };

export type ExtendResult =
  { ok: true; leaseId: string; expiresAt: number } | { ok: false; reason: FenceRefusal };

export type FenceResult = { ok: true } | { ok: false; reason: FenceRefusal };

export const LEASE_MS_MAX = 24 * 3600 * 1000;
export const LEASE_BATCH_MAX = 1000;

/** The statuses lease, leaseBatch and their entries may answer. */
export const LEASE_STATUSES = [
  'OK',
  'NOT_FOUND',
  'ALREADY_LEASED',
  'FUNCTION_LIMIT',
  'CUSTOM_KEY_1_LIMIT',
  'CUSTOM_KEY_2_LIMIT',
  'ACCOUNT_LIMIT',
  'THROTTLED',
] as const satisfies readonly LeaseStatus[];

/** The statuses dequeue and dequeueBatch may answer (extend, requeue: all but ALREADY_LEASED). */
export const FENCE_STATUSES = [
  'OK',
  'NOT_FOUND',
  'ALREADY_LEASED',
  'LEASE_MISMATCH',
  'LEASE_EXPIRED',
  'NOT_LEASED',
] as const;

/** A lease status as the caller sees it: the lease it asked for, or the refusal. */
export function toLeaseResult(
  status: LeaseStatus,
  retryAt: number,
  lease: string,
  expiresAt: number,
): LeaseResult {
  if (status === 'OK') return { ok: true, leaseId: lease, expiresAt };
  const reason = leaseRefusal(status);
  return status === 'THROTTLED' ? { ok: false, reason, retryAt } : { ok: false, reason };
}

/** now + durationMs, after checking the duration. */
export function leaseExpiry(ctx: ShardContext, durationMs: number): number {
  checkIntOption('durationMs', durationMs, 1, LEASE_MS_MAX);
  return ctx.clock.now() + durationMs;
}

/** A concurrency limit as scripts take it: 0 = unlimited. */
export function limitArg(option: string, limit: number | undefined): number {
  if (limit === undefined || limit === Infinity) return 0;
  checkIntOption(option, limit, 1);
  return limit;
}
