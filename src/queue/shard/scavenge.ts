import { checkIntOption } from '../../core/option-checks.js';
import { decodePartition, type PartitionRef } from '../partition.js';
import {
  itemStateKeys,
  partitionKeys,
  scriptAccountId,
  type ShardContext,
  partitionIndexKeys,
} from './context.js';

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
  const until = now - ctx.graceMs;
  const partitionsMax = opts.partitionsMax ?? 100;
  const itemsMax = opts.itemsMax ?? 10_000;
  checkIntOption('partitionsMax', partitionsMax, 1, 100_000);
  checkIntOption('itemsMax', itemsMax, 1, 1_000_000);
  const page = opts.itemsPerPartitionMax ?? 100;
  checkIntOption('itemsPerPartitionMax', page, 1, 10_000);
  const peek = (await ctx.transport.runScript(
    'peekByScore',
    [ctx.keys.scavenger()],
    [until, partitionsMax, ctx.random.next()],
  )) as [number, string[], string[]];
  const itemIds: string[] = [];
  for (const pid of peek[1]) {
    const json = await ctx.transport.hget(ctx.keys.partitions(), pid);
    const partition: PartitionRef = json ? decodePartition(json, 0) : { id: pid };
    const pk = partitionKeys(ctx, partition);
    const keys = [
      ...itemStateKeys(ctx, pk),
      ...partitionIndexKeys(ctx, pk),
      pk.inProgressAccount,
      pk.inProgressPartition,
    ] as const;
    const args = [pid, now, ctx.graceMs, page, scriptAccountId(partition), ctx.keys.wakeChannel()];
    // Page by page, so that one call never holds Redis long, until the partition has no more.
    for (;;) {
      const [, ids] = (await ctx.transport.runScript('scavengePartition', keys, args)) as [
        number,
        string[],
      ];
      itemIds.push(...ids);
      if (ids.length === 0 || ids.length < page || itemIds.length >= itemsMax) break;
    }
    if (itemIds.length >= itemsMax) break;
  }
  return { partitions: peek[1].length, itemIds };
}
