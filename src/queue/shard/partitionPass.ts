import { leaseId as newLeaseId } from '../../core/ulid.js';
import { checkIntOption } from '../../core/option-checks.js';
import { decodeItem, type QueueItem } from '../item.js';
import type { PartitionRef } from '../partition.js';
import {
  itemStateKeys,
  partitionIndexKeys,
  partitionKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { LEASE_BATCH_MAX, LEASE_MS_MAX, limitArg, type ConcurrencyLimits } from './leases.js';
import { decodeStatus, statusLabel, type LeaseRefusal } from '../status.js';

export interface PassOptions {
  /** Items to lease at most. */
  want: number;
  /** Lease items due by this time (now + lookahead), ms. */
  untilMs: number;
  leaseMs: number;
  limits?: ConcurrencyLimits;
  /** Stop at the first function or account limit (default true). */
  fifo?: boolean;
  /** After a function or account limit, hide the partition this long (forced), ms. */
  concurrencyRequeueMs: number;
  /** Otherwise requeue it here (or at its earliest ready item, if earlier), ms. */
  requeueAt: number;
}

export type PassResult =
  | {
      status: 'ok';
      leased: { item: QueueItem; leaseId: string; expiresAt: number }[];
      /** Items looked at (due, up to `want`), leased or not. */
      looked: number;
      refusals: LeaseRefusal[];
    }
  | { status: 'not-found' | 'already-leased' | 'constrained' };

/**
 * One scanner pass over a partition in one round trip (see lua/partitionPass-11.lua): for
 * partitions without custom keys or throttles. 'constrained' means: take the general path
 * (leasePartition, peek, leaseBatch, requeuePartition).
 */
export async function passPartition(
  ctx: ShardContext,
  partition: PartitionRef,
  o: PassOptions,
): Promise<PassResult> {
  checkIntOption('want', o.want, 0, LEASE_BATCH_MAX);
  checkIntOption('leaseMs', o.leaseMs, 1, LEASE_MS_MAX);
  checkIntOption('requeueAt', o.requeueAt);
  const now = ctx.clock.now();
  const expiresAt = now + o.leaseMs;
  const leases = Array.from({ length: o.want }, () => newLeaseId(expiresAt, ctx.random));
  const pk = partitionKeys(ctx, partition);
  const keys = [
    ...itemStateKeys(ctx, pk),
    pk.inProgressAccount,
    pk.inProgressPartition,
    ...partitionIndexKeys(ctx, pk),
  ];
  const args = [
    partition.id,
    now,
    ctx.graceMs,
    o.untilMs,
    o.want,
    limitArg('limits.account', o.limits?.account),
    limitArg('limits.function', o.limits?.function),
    o.fifo === false ? 0 : 1,
    scriptAccountId(partition),
    ctx.keys.wakeChannel(),
    o.concurrencyRequeueMs,
    o.requeueAt,
    ...leases,
  ];
  const reply = (await ctx.transport.runScript('partitionPass', keys, args)) as [
    number,
    string[]?,
    (string | null)[]?,
    number[]?,
  ];
  const status = decodeStatus('partitionPass', reply[0], [
    'OK',
    'NOT_FOUND',
    'ALREADY_LEASED',
    'CONSTRAINED',
  ]);
  if (status !== 'OK') return { status: statusLabel(status) as 'not-found' };
  const [, ids = [], jsons = [], codes = []] = reply;
  const leased = ids.map((_, i) => ({
    item: decodeItem(jsons[i] as string),
    leaseId: leases[i] as string,
    expiresAt,
  }));
  const refusals = codes
    .filter((c) => c !== 0)
    .map((c) => statusLabel(decodeStatus('partitionPass', c, REFUSALS)) as LeaseRefusal);
  return { status: 'ok', leased, looked: codes.length, refusals };
}

const REFUSALS = [
  'NOT_FOUND',
  'ALREADY_LEASED',
  'FUNCTION_LIMIT',
  'ACCOUNT_LIMIT',
  'NOT_ATTEMPTED',
] as const;
