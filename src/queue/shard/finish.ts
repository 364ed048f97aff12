import { checkIntOption } from '../../core/option-checks.js';
import { InvalidOptionError } from '../../core/errors.js';
import type { QueueItem } from '../item.js';
import {
  inProgressKeys,
  itemKeys,
  itemPartition,
  partitionKeys,
  type PartitionKeys,
  itemStateKeys,
  scriptAccountId,
  type ShardContext,
  partitionIndexKeys,
} from './context.js';
import { decodeStatus, statusLabel, type FenceRefusal } from '../status.js';

export type FenceResult = { ok: true } | { ok: false; reason: FenceRefusal };

export interface DequeueEntry {
  item: QueueItem;
  /** The holder's lease; null removes an item that is not leased (cancellation). */
  leaseId: string | null;
}

export interface RequeueOptions {
  /** When the item becomes ready again, ms; clamped to now. */
  at: number;
  /** Count a failed attempt (retries) or not (deferrals, capacity refusals). */
  consumeAttempt: boolean;
}

export const DEQUEUE_BATCH_MAX = 1000;
const FENCE_STATUSES = [
  'OK',
  'NOT_FOUND',
  'ALREADY_LEASED',
  'LEASE_MISMATCH',
  'LEASE_EXPIRED',
  'NOT_LEASED',
] as const;

export async function dequeueItem(ctx: ShardContext, entry: DequeueEntry): Promise<FenceResult> {
  const { item } = entry;
  const k = itemKeys(ctx, item);
  const keys = [
    ...itemStateKeys(ctx, k),
    ctx.keys.tombstone(item.id),
    ...partitionIndexKeys(ctx, k),
    ...inProgressKeys(k),
  ] as const;
  const args = [
    item.id,
    item.partitionId,
    entry.leaseId ?? '',
    ctx.clock.now(),
    item.idempotencyTtlMs ?? ctx.tombstoneTtlMs,
    scriptAccountId(itemPartition(item)),
    ctx.keys.wakeChannel(),
    ctx.graceMs,
  ];
  const code = await ctx.transport.runScript('dequeue', keys, args);
  return toFenceResult('dequeue', code);
}

/** Dequeues many items of this shard in one atomic call; results align with `entries`. */
export async function dequeueItems(
  ctx: ShardContext,
  entries: readonly DequeueEntry[],
): Promise<FenceResult[]> {
  if (entries.length > DEQUEUE_BATCH_MAX) {
    throw new InvalidOptionError('entries', `holds ${entries.length}, over ${DEQUEUE_BATCH_MAX}`);
  }
  if (entries.length === 0) return [];
  const keys: string[] = [
    ctx.keys.items(),
    ctx.keys.leases(),
    ctx.keys.scavenger(),
    ctx.keys.partitions(),
    ctx.keys.globalPartitions(),
    ctx.keys.accounts(),
  ];
  const args: (string | number)[] = [
    ctx.clock.now(),
    ctx.graceMs,
    ctx.keys.wakeChannel(),
    entries.length,
  ];
  // Keys are built once per partition (the hot path: a batch spans few partitions).
  const perPartition = new Map<string, { pk: PartitionKeys; accountId: string }>();
  const placeholder = ctx.keys.placeholder();
  for (const { item, leaseId } of entries) {
    let p = perPartition.get(item.partitionId);
    if (!p) {
      const ref = itemPartition(item);
      p = { pk: partitionKeys(ctx, ref), accountId: scriptAccountId(ref) };
      perPartition.set(item.partitionId, p);
    }
    const { pk } = p;
    const [ck1, ck2] = item.customKeys;
    keys.push(pk.ready, pk.leased, ctx.keys.tombstone(item.id), pk.accountPartitions);
    keys.push(pk.inProgressAccount, pk.inProgressPartition);
    keys.push(ck1 ? ctx.keys.inProgressCustom(ck1.canonical) : placeholder);
    keys.push(ck2 ? ctx.keys.inProgressCustom(ck2.canonical) : placeholder);
    args.push(item.id, item.partitionId, leaseId ?? '', p.accountId);
    args.push(item.idempotencyTtlMs ?? ctx.tombstoneTtlMs);
  }
  const codes = (await ctx.transport.runScript('dequeueBatch', keys, args)) as number[];
  return entries.map((_, i) => toFenceResult('dequeueBatch', codes[i]));
}

export async function requeueItem(
  ctx: ShardContext,
  item: QueueItem,
  leaseId: string,
  opts: RequeueOptions,
): Promise<FenceResult> {
  checkIntOption('at', opts.at);
  const now = ctx.clock.now();
  const k = itemKeys(ctx, item);
  const keys = [
    ...itemStateKeys(ctx, k),
    ...partitionIndexKeys(ctx, k),
    ...inProgressKeys(k),
  ] as const;
  const args = [
    item.id,
    item.partitionId,
    leaseId,
    now,
    Math.max(opts.at, now),
    opts.consumeAttempt ? 1 : 0,
    scriptAccountId(itemPartition(item)),
    ctx.keys.wakeChannel(),
  ];
  const code = await ctx.transport.runScript('requeue', keys, args);
  return toFenceResult('requeue', code);
}

function toFenceResult(script: string, code: unknown): FenceResult {
  const status = decodeStatus(script, code, FENCE_STATUSES);
  return status === 'OK'
    ? { ok: true }
    : { ok: false, reason: statusLabel(status) as FenceRefusal };
}
