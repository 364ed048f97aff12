import { checkIntOption } from '../../core/option-checks.js';
import { leaseCutoff } from '../lease-liveness.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodePartition, type PartitionRef } from '../partition.js';
import {
  ITEM_STATE_KEYS,
  PARTITION_IN_PROGRESS_KEYS,
  PARTITION_INDEX_KEYS,
  partitionScriptKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { peekIndex } from './peekByScore.js';
import { defineScript } from './script-spec.js';

/** lua/queue/scavengePartition-11.lua */
export const scavengePartitionScript = defineScript({
  script: LUA_SCRIPTS.scavengePartition,
  keys: [...ITEM_STATE_KEYS, ...PARTITION_INDEX_KEYS, ...PARTITION_IN_PROGRESS_KEYS],
  args: ['partitionId', 'now', 'graceMs', 'limit', 'accountId', 'wakeChannel'],
  statuses: [],
});

/** The reply: the IDs of the items returned to the ready set. */
export function decodeScavengeReply(reply: unknown): string[] {
  return (reply as [number, string[]])[1];
}

export interface ScavengeOptions {
  /** Partitions visited in one pass (default 100). */
  partitionsMax?: number;
  /** Expired items returned per script call (default 100); a full page is followed by another. */
  itemsPerPartitionMax?: number;
  /** Items returned in one pass at most (default 10 000), so that a pass stays short. */
  itemsMax?: number;
}

export interface ScavengeResult {
  partitions: number;
  /** IDs of the items returned to their ready sets. */
  itemIds: string[];
}

/**
 * Returns items whose lease expired more than graceMs ago to their ready sets. Visits partitions
 * from the scavenger index (score = earliest lease expiry) at a seeded random offset.
 */
export async function scavenge(
  ctx: ShardContext,
  opts: ScavengeOptions = {},
): Promise<ScavengeResult> {
  const now = ctx.clock.now();
  const until = leaseCutoff(now, ctx.graceMs);
  const partitionsMax = opts.partitionsMax ?? 100;
  const itemsMax = opts.itemsMax ?? 10_000;
  checkIntOption('partitionsMax', partitionsMax, 1, 100_000);
  checkIntOption('itemsMax', itemsMax, 1, 1_000_000);
  const page = opts.itemsPerPartitionMax ?? 100;
  checkIntOption('itemsPerPartitionMax', page, 1, 10_000);
  const due = await peekIndex(ctx, ctx.keys.scavenger(), until, partitionsMax, ctx.random.next());
  const itemIds: string[] = [];
  for (const pid of due.ids) {
    const json = await ctx.transport.hget(ctx.keys.partitions(), pid);
    const partition: PartitionRef = json ? decodePartition(json, 0) : { id: pid };
    const call = {
      keys: partitionScriptKeys(ctx, partition),
      args: {
        partitionId: pid,
        now,
        graceMs: ctx.graceMs,
        limit: page,
        accountId: scriptAccountId(partition),
        wakeChannel: ctx.keys.wakeChannel(),
      },
    };
    // Page by page, so that one call never holds Redis long, until the partition has no more.
    for (;;) {
      const ids = decodeScavengeReply(await scavengePartitionScript.run(ctx.transport, call));
      itemIds.push(...ids);
      if (ids.length === 0 || ids.length < page || itemIds.length >= itemsMax) break;
    }
    if (itemIds.length >= itemsMax) break;
  }
  return { partitions: due.ids.length, itemIds };
}
