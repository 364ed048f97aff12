import { unreachable } from '../core/assert.js';

/**
 * Status codes shared by every queue and run-state script: each script names the ones it uses
 * once, at its top (`local OK, NOT_FOUND = 0, -1`), its header lists the ones it returns, and
 * its spec (src/queue/shard/, src/state/shard/) declares the same (a test holds all three to
 * this table).
 */
export const Status = {
  OK: 0,
  ITEM_EXISTS: 1,
  ITEM_TOMBSTONED: 2,
  NOT_FOUND: -1,
  ALREADY_LEASED: -2,
  FUNCTION_LIMIT: -3,
  CUSTOM_KEY_1_LIMIT: -4,
  CUSTOM_KEY_2_LIMIT: -5,
  ACCOUNT_LIMIT: -6,
  THROTTLED: -7,
  LEASE_MISMATCH: -8,
  LEASE_EXPIRED: -9,
  NOT_LEASED: -10,
  GARBAGE_COLLECTED: -11,
  NOT_ATTEMPTED: -12,
  CONSTRAINED: -13,
  // Run-state scripts (lua/state/, src/state/) share the table.
  RUN_EXISTS: 3,
  RUN_SKIPPED: 4,
  RUN_NOT_FOUND: -20,
  RUN_ENDED: -21,
  MEMO_CONFLICT: -22,
  STATE_OVERFLOW: -23,
  PAUSE_GONE: -24,
  RATE_LIMITED: 30,
  SINGLETON_HELD: 31,
  // Debounce windows (lua/state/debounceEvent, fireDebounce).
  DEBOUNCE_EXTENDED: 40,
  DEBOUNCE_STALE: 41,
  DEBOUNCE_NOT_DUE: -40,
  // Event batches (lua/state/*Batch-*.lua).
  BATCH_OPENED: 50,
  BATCH_FULL: 51,
  BATCH_DUPLICATE: 52,
  BATCH_OPEN: 53,
} as const;
export type StatusName = keyof typeof Status;

/** Why a lease was refused. */
export type LeaseRefusal =
  | 'not-found'
  | 'already-leased'
  | 'function-limit'
  | 'custom-key-1-limit'
  | 'custom-key-2-limit'
  | 'account-limit'
  | 'throttled'
  | 'not-attempted';

/** The statuses a lease of one item may answer (lease, leaseBatch, partitionPass entries). */
export type LeaseStatus =
  | 'OK'
  | 'NOT_FOUND'
  | 'ALREADY_LEASED'
  | 'FUNCTION_LIMIT'
  | 'CUSTOM_KEY_1_LIMIT'
  | 'CUSTOM_KEY_2_LIMIT'
  | 'ACCOUNT_LIMIT'
  | 'THROTTLED'
  | 'NOT_ATTEMPTED';

/** The refusal a lease status names. */
export function leaseRefusal(status: Exclude<LeaseStatus, 'OK'>): LeaseRefusal {
  switch (status) {
    case 'NOT_FOUND':
      return 'not-found';
    case 'ALREADY_LEASED':
      return 'already-leased';
    case 'FUNCTION_LIMIT':
      return 'function-limit';
    case 'CUSTOM_KEY_1_LIMIT':
      return 'custom-key-1-limit';
    case 'CUSTOM_KEY_2_LIMIT':
      return 'custom-key-2-limit';
    case 'ACCOUNT_LIMIT':
      return 'account-limit';
    case 'THROTTLED':
      return 'throttled';
    case 'NOT_ATTEMPTED':
      return 'not-attempted';
    default:
      return unreachable(status, 'lease status');
  }
}

/** Why a fenced operation (extend, dequeue, requeue) was refused. */
export type FenceRefusal =
  'not-found' | 'already-leased' | 'lease-mismatch' | 'lease-expired' | 'not-leased';

/** The statuses a fenced operation may answer. */
export type FenceStatus =
  'OK' | 'NOT_FOUND' | 'ALREADY_LEASED' | 'LEASE_MISMATCH' | 'LEASE_EXPIRED' | 'NOT_LEASED';

/** The statuses of a fenced operation that refuse it (the lease is not the caller's). */
export type FenceRefusalStatus = Exclude<FenceStatus, 'OK' | 'ALREADY_LEASED'>;
const FENCE_REFUSAL_STATUSES: ReadonlySet<string> = new Set([
  'NOT_FOUND',
  'LEASE_MISMATCH',
  'LEASE_EXPIRED',
  'NOT_LEASED',
]);

/** Whether a script's status is a fence refusal (for scripts that add statuses of their own). */
export function isFenceRefusal(status: string): status is FenceRefusalStatus {
  return FENCE_REFUSAL_STATUSES.has(status);
}

/** The refusal a fence status names. */
export function fenceRefusal(status: Exclude<FenceStatus, 'OK'>): FenceRefusal {
  switch (status) {
    case 'NOT_FOUND':
      return 'not-found';
    case 'ALREADY_LEASED':
      return 'already-leased';
    case 'LEASE_MISMATCH':
      return 'lease-mismatch';
    case 'LEASE_EXPIRED':
      return 'lease-expired';
    case 'NOT_LEASED':
      return 'not-leased';
    default:
      return unreachable(status, 'fence status');
  }
}
