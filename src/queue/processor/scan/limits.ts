import type { PartitionRef } from '../../partition.js';
import type { ConcurrencyLimits } from '../../shard/lease-common.js';
import {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_FUNCTION_CONCURRENCY,
  DEFAULT_SYSTEM_CONCURRENCY,
  type LimitLookup,
} from '../options.js';

/**
 * The concurrency limits a partition's leases are checked against, from the user's lookups: a
 * promise only when the function's lookup answered one (a synchronous lookup adds no await, so
 * the scan's interleavings stay as they were).
 */
export function limitsFor(
  limits: LimitLookup,
  p: PartitionRef,
): ConcurrencyLimits | Promise<ConcurrencyLimits> {
  if (p.queueName !== undefined)
    return { function: limits.system?.(p.queueName) ?? DEFAULT_SYSTEM_CONCURRENCY };
  const account =
    p.accountId === undefined
      ? undefined
      : (limits.account?.(p.accountId) ?? DEFAULT_ACCOUNT_CONCURRENCY);
  if (p.functionId === undefined) return { account, function: undefined };
  const fn = limits.function?.(p.functionId, p.accountId ?? '');
  if (fn instanceof Promise)
    return fn.then((f) => ({ account, function: f ?? DEFAULT_FUNCTION_CONCURRENCY }));
  return { account, function: fn ?? DEFAULT_FUNCTION_CONCURRENCY };
}
