import { UnknownStatusError } from '../core/errors.js';

/** Status codes shared by every script; each script's header lists the ones it returns. */
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
} as const;
export type StatusName = keyof typeof Status;

const NAME_OF = new Map<number, StatusName>(
  Object.entries(Status).map(([name, code]) => [code, name as StatusName]),
);

/** Translates a script's reply code, accepting only the codes that script may return. */
export function decodeStatus<const T extends StatusName>(
  script: string,
  code: unknown,
  expected: readonly T[],
): T {
  const name = typeof code === 'number' ? NAME_OF.get(code) : undefined;
  if (name === undefined || !(expected as readonly StatusName[]).includes(name)) {
    throw new UnknownStatusError(script, code);
  }
  return name as T;
}

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

/** Why a fenced operation (extend, dequeue, requeue) was refused. */
export type FenceRefusal =
  'not-found' | 'already-leased' | 'lease-mismatch' | 'lease-expired' | 'not-leased';

const KEBAB: Record<StatusName, string> = Object.fromEntries(
  Object.keys(Status).map((name) => [name, name.toLowerCase().replaceAll('_', '-')]),
) as Record<StatusName, string>;

/** 'CUSTOM_KEY_1_LIMIT' -> 'custom-key-1-limit'. */
export function statusLabel<T extends StatusName>(name: T): string {
  return KEBAB[name];
}
