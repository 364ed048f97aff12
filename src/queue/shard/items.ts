import { decodeItem, encodeItem, type QueueItem } from '../item.js';
import { encodePartition, type PartitionRef } from '../partition.js';
import {
  itemPartition,
  partitionKeys,
  scriptAccountId,
  type ShardContext,
  partitionIndexKeys,
} from './context.js';
import { decodeStatus } from '../status.js';

export type EnqueueResult =
  { status: 'enqueued'; item: QueueItem } | { status: 'exists' | 'tombstoned'; item: QueueItem };

export interface PeekedItem {
  item: QueueItem;
  score: number;
}

export async function enqueueItem(ctx: ShardContext, item: QueueItem): Promise<EnqueueResult> {
  const partition = itemPartition(item);
  const k = partitionKeys(ctx, partition);
  // As partitionPass checks it: any stored custom key or throttle sends the partition to the
  // general path (a throttle binds only `start` items, so an edge with one merely costs a bit).
  const constrained = item.customKeys.length > 0 || item.throttle !== undefined;
  const keys = [
    ctx.keys.items(),
    ctx.keys.tombstone(item.id),
    k.ready,
    ...partitionIndexKeys(ctx, k),
  ] as const;
  const args = [
    item.id,
    encodeItem(item),
    item.score,
    ctx.clock.now(),
    item.partitionId,
    encodePartition(partition, constrained),
    scriptAccountId(partition),
    ctx.keys.wakeChannel(),
    constrained ? 1 : 0,
  ];
  const code = await ctx.transport.runScript('enqueue', keys, args);
  const status = decodeStatus('enqueue', code, ['OK', 'ITEM_EXISTS', 'ITEM_TOMBSTONED']);
  if (status === 'OK') return { status: 'enqueued', item };
  return { status: status === 'ITEM_EXISTS' ? 'exists' : 'tombstoned', item };
}

/** Ready items of a partition due by untilMs, in score order (leased items are never ready). */
export async function peekItems(
  ctx: ShardContext,
  partition: PartitionRef,
  untilMs: number,
  limit: number,
): Promise<PeekedItem[]> {
  const keys = [partitionKeys(ctx, partition).ready, ctx.keys.items()] as const;
  const reply = (await ctx.transport.runScript('peek', keys, [untilMs, limit])) as [
    string[],
    (string | null)[],
    string[],
  ];
  const [ids, jsons, scores] = reply;
  const out: PeekedItem[] = [];
  ids.forEach((_, i) => {
    const json = jsons[i];
    // A ready entry without an item cannot arise from our scripts; skip it rather than crash.
    if (json) out.push({ item: decodeItem(json), score: Number(scores[i]) });
  });
  return out;
}

export async function getItem(ctx: ShardContext, id: string): Promise<QueueItem | null> {
  const json = await ctx.transport.hget(ctx.keys.items(), id);
  return json === null ? null : decodeItem(json);
}

/** The item's current lease ID (possibly expired), or null. */
export async function getLeaseId(ctx: ShardContext, id: string): Promise<string | null> {
  return await ctx.transport.hget(ctx.keys.leases(), id);
}
