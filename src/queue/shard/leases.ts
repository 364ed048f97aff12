import { leaseId as newLeaseId } from '../../core/ulid.js';
import { checkIntOption } from '../../core/option-checks.js';
import { InvalidOptionError } from '../../core/errors.js';
import type { QueueItem } from '../item.js';
import {
  inProgressKeys,
  itemKeys,
  itemPartition,
  itemStateKeys,
  partitionKeys,
  type ShardContext,
} from './context.js';
import { decodeStatus, statusLabel, type FenceRefusal, type LeaseRefusal } from '../status.js';

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

export const LEASE_MS_MAX = 24 * 3600 * 1000;
export const LEASE_BATCH_MAX = 1000;

const LEASE_STATUSES = [
  'OK',
  'NOT_FOUND',
  'ALREADY_LEASED',
  'FUNCTION_LIMIT',
  'CUSTOM_KEY_1_LIMIT',
  'CUSTOM_KEY_2_LIMIT',
  'ACCOUNT_LIMIT',
  'THROTTLED',
] as const;

export async function leaseItem(
  ctx: ShardContext,
  item: QueueItem,
  opts: LeaseOptions,
): Promise<LeaseResult> {
  const expiresAt = leaseExpiry(ctx, opts.durationMs);
  const lease = newLeaseId(expiresAt, ctx.random);
  const k = itemKeys(ctx, item);
  const keys = [...itemStateKeys(ctx, k), ...inProgressKeys(k), k.throttle] as const;
  const [ck1, ck2] = item.customKeys;
  const th = item.kind === 'start' ? item.throttle : undefined;
  const args = [
    item.id,
    item.partitionId,
    lease,
    ctx.clock.now(),
    ctx.graceMs,
    limitArg('limits.account', opts.limits?.account),
    limitArg('limits.function', opts.limits?.function),
    ck1?.limit ?? 0,
    ck2?.limit ?? 0,
    th?.limit ?? 0,
    th?.burst ?? 0,
    th?.periodMs ?? 0,
  ];
  const [code, retryAt] = (await ctx.transport.runScript('lease', keys, args)) as [number, number];
  return toLeaseResult('lease', code, retryAt, lease, expiresAt);
}

export interface LeaseBatchOptions extends LeaseOptions {
  /** Stop at the first function or account limit so later items cannot overtake (default true). */
  fifo?: boolean;
}

/** Leases items of one partition in one call; results align with `items`. */
export async function leaseItems(
  ctx: ShardContext,
  items: readonly QueueItem[],
  opts: LeaseBatchOptions,
): Promise<LeaseResult[]> {
  if (items.length === 0) return [];
  if (items.length > LEASE_BATCH_MAX)
    throw new InvalidOptionError('items', `holds ${items.length}, over ${LEASE_BATCH_MAX}`);
  const first = items[0] as QueueItem;
  const pk = partitionKeys(ctx, itemPartition(first));
  const keys: string[] = [...itemStateKeys(ctx, pk), pk.inProgressAccount, pk.inProgressPartition];
  const keyIndex = new Map<string, number>();
  const indexOf = (key: string): number => {
    let i = keyIndex.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length; // Lua KEYS are 1-based
      keyIndex.set(key, i);
    }
    return i;
  };
  const expiresAt = leaseExpiry(ctx, opts.durationMs);
  const now = ctx.clock.now();
  const args: (string | number)[] = [
    first.partitionId,
    now,
    ctx.graceMs,
    limitArg('limits.account', opts.limits?.account),
    limitArg('limits.function', opts.limits?.function),
    opts.fifo === false ? 0 : 1,
    items.length,
  ];
  const leases: string[] = [];
  for (const item of items) {
    if (item.partitionId !== first.partitionId) {
      throw new InvalidOptionError(
        'items',
        `must share one partition: ${item.partitionId} != ${first.partitionId}`,
      );
    }
    const lease = newLeaseId(expiresAt, ctx.random);
    leases.push(lease);
    const k = itemKeys(ctx, item);
    const [ck1, ck2] = item.customKeys;
    const th = item.kind === 'start' ? item.throttle : undefined;
    args.push(item.id, lease);
    args.push(ck1 ? indexOf(k.customKey1) : 0, ck1?.limit ?? 0);
    args.push(ck2 ? indexOf(k.customKey2) : 0, ck2?.limit ?? 0);
    args.push(th ? indexOf(k.throttle) : 0, th?.limit ?? 0, th?.burst ?? 0, th?.periodMs ?? 0);
  }
  const reply = (await ctx.transport.runScript('leaseBatch', keys, args)) as number[];
  return items.map((_, i) =>
    toLeaseResult(
      'leaseBatch',
      reply[2 * i],
      reply[2 * i + 1] ?? 0,
      leases[i] as string,
      expiresAt,
    ),
  );
}

export async function extendLease(
  ctx: ShardContext,
  item: QueueItem,
  currentLeaseId: string,
  durationMs: number,
): Promise<ExtendResult> {
  const expiresAt = leaseExpiry(ctx, durationMs);
  const lease = newLeaseId(expiresAt, ctx.random);
  const k = itemKeys(ctx, item);
  const keys = [
    ctx.keys.items(),
    ctx.keys.leases(),
    k.leased,
    ctx.keys.scavenger(),
    ...inProgressKeys(k),
  ] as const;
  const args = [item.id, item.partitionId, currentLeaseId, lease, ctx.clock.now()];
  const code = await ctx.transport.runScript('extendLease', keys, args);
  const status = decodeStatus('extendLease', code, [
    'OK',
    'NOT_FOUND',
    'LEASE_MISMATCH',
    'LEASE_EXPIRED',
    'NOT_LEASED',
  ]);
  if (status === 'OK') return { ok: true, leaseId: lease, expiresAt };
  return { ok: false, reason: statusLabel(status) as FenceRefusal };
}

function toLeaseResult(
  script: string,
  code: unknown,
  retryAt: number,
  lease: string,
  expiresAt: number,
): LeaseResult {
  const status = decodeStatus(script, code, [...LEASE_STATUSES, 'NOT_ATTEMPTED']);
  if (status === 'OK') return { ok: true, leaseId: lease, expiresAt };
  const reason = statusLabel(status) as LeaseRefusal;
  return status === 'THROTTLED' ? { ok: false, reason, retryAt } : { ok: false, reason };
}

function leaseExpiry(ctx: ShardContext, durationMs: number): number {
  checkIntOption('durationMs', durationMs, 1, LEASE_MS_MAX);
  return ctx.clock.now() + durationMs;
}

export function limitArg(option: string, limit: number | undefined): number {
  if (limit === undefined || limit === Infinity) return 0;
  checkIntOption(option, limit, 1);
  return limit;
}
