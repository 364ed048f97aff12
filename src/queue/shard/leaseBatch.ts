import { InvalidOptionError } from '../../core/errors.js';
import { leaseId as newLeaseId } from '../../core/ulid.js';
import type { QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { LeaseStatus } from '../status.js';
import {
  ITEM_STATE_KEYS,
  itemKeys,
  itemPartition,
  PARTITION_IN_PROGRESS_KEYS,
  partitionScriptKeys,
  type ShardContext,
} from './context.js';
import {
  LEASE_BATCH_MAX,
  LEASE_STATUSES,
  leaseExpiry,
  limitArg,
  toLeaseResult,
  type LeaseOptions,
  type LeaseResult,
} from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/leaseBatch-n.lua */
export const leaseBatchScript = defineScript({
  script: LUA_SCRIPTS.leaseBatch,
  keys: [...ITEM_STATE_KEYS, ...PARTITION_IN_PROGRESS_KEYS],
  indexedKeys: true,
  args: ['partitionId', 'now', 'graceMs', 'accountLimit', 'functionLimit', 'fifo', 'count'],
  countArg: 'count',
  argsPerEntry: [
    'itemId',
    'leaseId',
    'customKey1Index',
    'customKey1Limit',
    'customKey2Index',
    'customKey2Limit',
    'throttleIndex',
    'throttleLimit',
    'throttleBurst',
    'throttlePeriodMs',
  ],
  statuses: [],
  entryStatuses: [...LEASE_STATUSES, 'NOT_ATTEMPTED'],
});

/** The reply: one status (and throttle retry time) per entry, in order. */
export function decodeLeaseBatchReply(reply: unknown): { status: LeaseStatus; retryAt: number }[] {
  const flat = reply as number[];
  const out: { status: LeaseStatus; retryAt: number }[] = [];
  for (let i = 0; i < flat.length; i += 2)
    out.push({ status: leaseBatchScript.entryStatus(flat[i]), retryAt: flat[i + 1] ?? 0 });
  return out;
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
  const expiresAt = leaseExpiry(ctx, opts.durationMs);
  const accountLimit = limitArg('limits.account', opts.limits?.account);
  const functionLimit = limitArg('limits.function', opts.limits?.function);
  const { entries, extraKeys, leases } = batchEntries(ctx, items, expiresAt);
  const reply = await leaseBatchScript.run(ctx.transport, {
    keys: partitionScriptKeys(ctx, itemPartition(first)),
    args: {
      partitionId: first.partitionId,
      now: ctx.clock.now(),
      graceMs: ctx.graceMs,
      accountLimit,
      functionLimit,
      fifo: opts.fifo === false ? 0 : 1,
      count: entries.length,
    },
    entries,
    extraKeys,
  });
  return decodeLeaseBatchReply(reply).map((r, i) =>
    toLeaseResult(r.status, r.retryAt, leases[i] as string, expiresAt),
  );
}

/**
 * One entry per item, with a fresh lease each; custom-key and throttle keys go into `extraKeys`
 * once each, referred to by their 1-based KEYS index (after the spec's named keys).
 */
function batchEntries(ctx: ShardContext, items: readonly QueueItem[], expiresAt: number) {
  const first = items[0] as QueueItem;
  const named = leaseBatchScript.keys.length;
  const extraKeys: string[] = [];
  const keyIndex = new Map<string, number>();
  const indexOf = (key: string): number => {
    let i = keyIndex.get(key);
    if (i === undefined) {
      extraKeys.push(key);
      i = named + extraKeys.length;
      keyIndex.set(key, i);
    }
    return i;
  };
  const leases: string[] = [];
  const entries = items.map((item) => {
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
    return {
      args: {
        itemId: item.id,
        leaseId: lease,
        customKey1Index: ck1 ? indexOf(k.inProgressCustom1) : 0,
        customKey1Limit: ck1?.limit ?? 0,
        customKey2Index: ck2 ? indexOf(k.inProgressCustom2) : 0,
        customKey2Limit: ck2?.limit ?? 0,
        throttleIndex: th ? indexOf(k.throttle) : 0,
        throttleLimit: th?.limit ?? 0,
        throttleBurst: th?.burst ?? 0,
        throttlePeriodMs: th?.periodMs ?? 0,
      },
    };
  });
  return { entries, extraKeys, leases };
}
