import { leaseId as newLeaseId } from '../../core/ulid.js';
import type { QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import {
  ITEM_IN_PROGRESS_KEYS,
  ITEM_STATE_KEYS,
  itemScriptKeys,
  type ShardContext,
} from './context.js';
import {
  LEASE_STATUSES,
  leaseExpiry,
  limitArg,
  toLeaseResult,
  type LeaseOptions,
  type LeaseResult,
} from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/lease-10.lua */
export const leaseScript = defineScript({
  script: LUA_SCRIPTS.lease,
  keys: [...ITEM_STATE_KEYS, ...ITEM_IN_PROGRESS_KEYS, 'throttle'],
  args: [
    'itemId',
    'partitionId',
    'leaseId',
    'now',
    'graceMs',
    'accountLimit',
    'functionLimit',
    'customKey1Limit',
    'customKey2Limit',
    'throttleLimit',
    'throttleBurst',
    'throttlePeriodMs',
  ],
  statuses: LEASE_STATUSES,
});

/** The reply: a status, and for THROTTLED the earliest time the throttle admits the item. */
export function decodeLeaseReply(reply: unknown): {
  status: (typeof LEASE_STATUSES)[number];
  retryAt: number;
} {
  const [code, retryAt] = reply as [number, number];
  return { status: leaseScript.status(code), retryAt };
}

export async function leaseItem(
  ctx: ShardContext,
  item: QueueItem,
  opts: LeaseOptions,
): Promise<LeaseResult> {
  const expiresAt = leaseExpiry(ctx, opts.durationMs);
  const lease = newLeaseId(expiresAt, ctx.random);
  const [ck1, ck2] = item.customKeys;
  const th = item.kind === 'start' ? item.throttle : undefined;
  const reply = await leaseScript.run(ctx.transport, {
    keys: itemScriptKeys(ctx, item),
    args: {
      itemId: item.id,
      partitionId: item.partitionId,
      leaseId: lease,
      now: ctx.clock.now(),
      graceMs: ctx.graceMs,
      accountLimit: limitArg('limits.account', opts.limits?.account),
      functionLimit: limitArg('limits.function', opts.limits?.function),
      customKey1Limit: ck1?.limit ?? 0,
      customKey2Limit: ck2?.limit ?? 0,
      throttleLimit: th?.limit ?? 0,
      throttleBurst: th?.burst ?? 0,
      throttlePeriodMs: th?.periodMs ?? 0,
    },
  });
  const { status, retryAt } = decodeLeaseReply(reply);
  return toLeaseResult(status, retryAt, lease, expiresAt);
}
