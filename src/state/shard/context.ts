import type { QueueItem } from '../../queue/item.js';
import { encodePartition } from '../../queue/partition.js';
import {
  itemPartition,
  itemScriptKeys,
  scriptAccountId,
  type ShardContext,
} from '../../queue/shard/context.js';
import type { RunKeys } from '../keys.js';

/** What every run-state script needs: the queue shard's context and the run-state key names. */
export interface StateContext {
  readonly shard: ShardContext;
  readonly keys: RunKeys;
}

/** The keys of a run's own state, by the names the specs use. */
export function runScriptKeys(ctx: StateContext, runId: string) {
  const k = ctx.keys;
  return {
    meta: k.meta(runId),
    events: k.events(runId),
    memo: k.memo(runId),
    stack: k.stack(runId),
    pending: k.pending(runId),
    steps: k.steps(runId),
    runItems: k.runItems(runId),
    runPauses: k.runPauses(runId),
    pauses: k.pauses(),
    invokes: k.invokes(),
    functions: k.functions(),
  };
}

/** The queue keys of one of a run's items, and the ARGV every item write shares. */
export function queueItemKeys(ctx: StateContext, item: QueueItem) {
  const keys = itemScriptKeys(ctx.shard, item);
  return {
    items: keys.items,
    leases: keys.leases,
    ready: keys.ready,
    leased: keys.leased,
    scavenger: keys.scavenger,
    tombstone: keys.tombstone,
    partitions: keys.partitions,
    globalPartitions: keys.globalPartitions,
    accounts: keys.accounts,
    accountPartitions: keys.accountPartitions,
    inProgressAccount: keys.inProgressAccount,
    inProgressPartition: keys.inProgressPartition,
    inProgressCustom1: keys.inProgressCustom1,
    inProgressCustom2: keys.inProgressCustom2,
  };
}

/**
 * The keys enqueue_item.lua needs to store `queueItemKeys`' item, by the specs' names: a script
 * that enqueues one item spreads it into its keys (a spec encodes only the names it declares).
 */
export function enqueueKeys(q: ReturnType<typeof queueItemKeys>) {
  return {
    items: q.items,
    tombstone: q.tombstone,
    ready: q.ready,
    partitions: q.partitions,
    globalPartitions: q.globalPartitions,
    accounts: q.accounts,
    accountPartitions: q.accountPartitions,
  };
}

/**
 * ARGV shared by the scripts that write an item of a run's partition, by the specs' names: a
 * wrapper spreads it into its call (a spec encodes only the names it declares).
 */
export function queueItemArgs(ctx: StateContext, item: QueueItem) {
  const partition = itemPartition(item);
  return {
    partitionId: item.partitionId,
    accountId: scriptAccountId(partition),
    wakeChannel: ctx.shard.keys.wakeChannel(),
    graceMs: ctx.shard.graceMs,
    tombstoneTtlMs: item.idempotencyTtlMs ?? ctx.shard.tombstoneTtlMs,
    partitionJson: encodePartition(partition, false),
  };
}
