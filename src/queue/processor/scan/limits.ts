import type { PartitionRef } from '../../partition.js';
import type { ConcurrencyLimits } from '../../shard/lease-common.js';
import {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_FUNCTION_CONCURRENCY,
  DEFAULT_SYSTEM_CONCURRENCY,
  type LimitLookup,
} from '../options.js';

/** The concurrency limits a partition's leases are checked against, from the user's lookups. */
export function limitsFor(limits: LimitLookup, p: PartitionRef): ConcurrencyLimits {
  if (p.queueName !== undefined)
    return { function: limits.system?.(p.queueName) ?? DEFAULT_SYSTEM_CONCURRENCY };
  return {
    account:
      p.accountId === undefined
        ? undefined
        : (limits.account?.(p.accountId) ?? DEFAULT_ACCOUNT_CONCURRENCY),
    function:
      p.functionId === undefined
        ? undefined
        : (limits.function?.(p.functionId, p.accountId ?? '') ?? DEFAULT_FUNCTION_CONCURRENCY),
  };
}
