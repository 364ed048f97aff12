import { unreachable } from '../../core/assert.js';
import { checkIntOption } from '../../core/option-checks.js';
import { leaseId as newLeaseId } from '../../core/ulid.js';
import { decodeItem, type QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { PartitionRef } from '../partition.js';
import { leaseRefusal, type LeaseRefusal } from '../status.js';
import {
  ITEM_STATE_KEYS,
  PARTITION_IN_PROGRESS_KEYS,
  PARTITION_INDEX_KEYS,
  partitionScriptKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { LEASE_BATCH_MAX, LEASE_MS_MAX, limitArg, type ConcurrencyLimits } from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/partitionPass-11.lua */
export const partitionPassScript = defineScript({
  script: LUA_SCRIPTS.partitionPass,
  keys: [...ITEM_STATE_KEYS, ...PARTITION_IN_PROGRESS_KEYS, ...PARTITION_INDEX_KEYS],
  args: [
    'partitionId',
    'now',
    'graceMs',
    'untilMs',
    'want',
    'accountLimit',
    'functionLimit',
    'fifo',
    'accountId',
    'wakeChannel',
    'concurrencyRequeueMs',
    'requeueAt',
  ],
  /** `want` lease IDs follow: the n-th item leased takes the n-th. */
  argsPerEntry: ['leaseId'],
  countArg: 'want',
  statuses: ['OK', 'NOT_FOUND', 'ALREADY_LEASED', 'CONSTRAINED'],
  entryStatuses: [
    'OK',
    'NOT_FOUND',
    'ALREADY_LEASED',
    'FUNCTION_LIMIT',
    'ACCOUNT_LIMIT',
    'NOT_ATTEMPTED',
  ],
});

type PassStatus = (typeof partitionPassScript.statuses)[number];
type PassEntryStatus = (typeof partitionPassScript.entryStatuses)[number];

/**
 * The reply: the pass's status; when OK, the IDs and JSONs of the items leased (in order), the
 * status of every item looked at, and the partition's previous lease or pass time (0: new).
 */
export function decodePartitionPassReply(reply: unknown): {
  status: PassStatus;
  ids: string[];
  jsons: string[];
  looked: PassEntryStatus[];
  lastLeasedAt: number;
} {
  const [code, ids = [], jsons = [], codes = [], previous = 0] = reply as [
    number,
    string[]?,
    string[]?,
    number[]?,
    number?,
  ];
  return {
    status: partitionPassScript.status(code),
    ids,
    jsons,
    looked: codes.map((c) => partitionPassScript.entryStatus(c)),
    lastLeasedAt: previous,
  };
}

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
 * One scanner pass over a partition in one round trip (see lua/queue/partitionPass-11.lua): for
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
  const reply = await partitionPassScript.run(ctx.transport, {
    keys: partitionScriptKeys(ctx, partition),
    args: {
      partitionId: partition.id,
      now,
      graceMs: ctx.graceMs,
      untilMs: o.untilMs,
      want: o.want,
      accountLimit: limitArg('limits.account', o.limits?.account),
      functionLimit: limitArg('limits.function', o.limits?.function),
      fifo: o.fifo === false ? 0 : 1,
      accountId: scriptAccountId(partition),
      wakeChannel: ctx.keys.wakeChannel(),
      concurrencyRequeueMs: o.concurrencyRequeueMs,
      requeueAt: o.requeueAt,
    },
    entries: leases.map((leaseId) => ({ args: { leaseId } })),
  });
  const r = decodePartitionPassReply(reply);
  switch (r.status) {
    case 'OK':
      break;
    case 'NOT_FOUND':
      return { status: 'not-found' };
    case 'ALREADY_LEASED':
      return { status: 'already-leased' };
    case 'CONSTRAINED':
      return { status: 'constrained' };
    default:
      return unreachable(r.status, 'partitionPass status');
  }
  const leased = r.ids.map((_, i) => ({
    item: decodeItem(r.jsons[i] as string),
    leaseId: leases[i] as string,
    expiresAt,
  }));
  const refusals: LeaseRefusal[] = [];
  for (const status of r.looked) if (status !== 'OK') refusals.push(leaseRefusal(status));
  return { status: 'ok', leased, looked: r.looked.length, refusals };
}
