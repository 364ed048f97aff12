import { InvalidOptionError } from '../../core/errors.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import {
  itemPartition,
  partitionKeys,
  scriptAccountId,
  type PartitionKeys,
  type ShardContext,
} from './context.js';
import { toFenceResult, type DequeueEntry } from './dequeue.js';
import { FENCE_STATUSES, type FenceResult } from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/dequeueBatch-n.lua */
export const dequeueBatchScript = defineScript({
  script: LUA_SCRIPTS.dequeueBatch,
  keys: ['items', 'leases', 'scavenger', 'partitions', 'globalPartitions', 'accounts'],
  keysPerEntry: [
    'ready',
    'leased',
    'tombstone',
    'accountPartitions',
    'inProgressAccount',
    'inProgressPartition',
    'inProgressCustom1',
    'inProgressCustom2',
  ],
  args: ['now', 'graceMs', 'wakeChannel', 'count'],
  countArg: 'count',
  argsPerEntry: ['itemId', 'partitionId', 'leaseId', 'accountId', 'tombstoneTtlMs'],
  statuses: [],
  entryStatuses: FENCE_STATUSES,
});

export const DEQUEUE_BATCH_MAX = 1000;

/** Dequeues many items of this shard in one atomic call; results align with `entries`. */
export async function dequeueItems(
  ctx: ShardContext,
  entries: readonly DequeueEntry[],
): Promise<FenceResult[]> {
  if (entries.length > DEQUEUE_BATCH_MAX) {
    throw new InvalidOptionError('entries', `holds ${entries.length}, over ${DEQUEUE_BATCH_MAX}`);
  }
  if (entries.length === 0) return [];
  // Keys are built once per partition (the hot path: a batch spans few partitions).
  const perPartition = new Map<string, { pk: PartitionKeys; accountId: string }>();
  const placeholder = ctx.keys.placeholder();
  const encoded = entries.map(({ item, leaseId }) => {
    let p = perPartition.get(item.partitionId);
    if (!p) {
      const ref = itemPartition(item);
      p = { pk: partitionKeys(ctx, ref), accountId: scriptAccountId(ref) };
      perPartition.set(item.partitionId, p);
    }
    const { pk } = p;
    const [ck1, ck2] = item.customKeys;
    return {
      keys: {
        ready: pk.ready,
        leased: pk.leased,
        tombstone: ctx.keys.tombstone(item.id),
        accountPartitions: pk.accountPartitions,
        inProgressAccount: pk.inProgressAccount,
        inProgressPartition: pk.inProgressPartition,
        inProgressCustom1: ck1 ? ctx.keys.inProgressCustom(ck1.canonical) : placeholder,
        inProgressCustom2: ck2 ? ctx.keys.inProgressCustom(ck2.canonical) : placeholder,
      },
      args: {
        itemId: item.id,
        partitionId: item.partitionId,
        leaseId: leaseId ?? '',
        accountId: p.accountId,
        tombstoneTtlMs: item.idempotencyTtlMs ?? ctx.tombstoneTtlMs,
      },
    };
  });
  const codes = (await dequeueBatchScript.run(ctx.transport, {
    keys: {
      items: ctx.keys.items(),
      leases: ctx.keys.leases(),
      scavenger: ctx.keys.scavenger(),
      partitions: ctx.keys.partitions(),
      globalPartitions: ctx.keys.globalPartitions(),
      accounts: ctx.keys.accounts(),
    },
    args: {
      now: ctx.clock.now(),
      graceMs: ctx.graceMs,
      wakeChannel: ctx.keys.wakeChannel(),
      count: entries.length,
    },
    entries: encoded,
  })) as number[];
  return entries.map((_, i) => toFenceResult(dequeueBatchScript.entryStatus(codes[i])));
}
