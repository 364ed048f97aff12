import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { RedisTransport } from '../../redis/transport.js';
import type { QueueItem } from '../item.js';
import type { ShardKeys } from '../keys.js';
import type { PartitionRef } from '../partition.js';

/** What every shard operation needs. */
export interface ShardContext {
  readonly keys: ShardKeys;
  readonly transport: RedisTransport;
  readonly clock: Clock;
  readonly random: Random;
  /**
   * Clock-skew bound: a lease counts as held until expiry + graceMs for everyone but its holder.
   */
  readonly graceMs: number;
  /** Default time a dequeued ID stays reserved. */
  readonly tombstoneTtlMs: number;
}

/** The keys one partition's operations touch. */
export interface PartitionKeys {
  ready: string;
  leased: string;
  /** The account's partition index, or a placeholder for system partitions. */
  accountPartitions: string;
  /** The account's in-progress set, or a placeholder for system partitions (no account limit). */
  inProgressAccount: string;
  inProgressPartition: string;
}

/** Plus the keys of one item's own constraints (placeholders where it has none). */
export interface ItemKeys extends PartitionKeys {
  inProgressCustom1: string;
  inProgressCustom2: string;
  throttle: string;
}

export function partitionKeys(ctx: ShardContext, p: PartitionRef): PartitionKeys {
  const { keys } = ctx;
  const counted = countsAnAccount(p);
  return {
    ready: keys.ready(p.id),
    leased: keys.leased(p.id),
    accountPartitions: counted ? keys.accountPartitions(p.accountId as string) : keys.placeholder(),
    inProgressAccount: counted ? keys.inProgressAccount(p.accountId as string) : keys.placeholder(),
    inProgressPartition: keys.inProgressPartition(p.id),
  };
}

export function itemKeys(ctx: ShardContext, item: QueueItem): ItemKeys {
  const { keys } = ctx;
  const [ck1, ck2] = item.customKeys;
  const throttled = item.kind === 'start' && item.throttle !== undefined;
  return {
    ...partitionKeys(ctx, itemPartition(item)),
    inProgressCustom1: ck1 ? keys.inProgressCustom(ck1.canonical) : keys.placeholder(),
    inProgressCustom2: ck2 ? keys.inProgressCustom(ck2.canonical) : keys.placeholder(),
    throttle: throttled
      ? keys.throttle((item.throttle as { canonical: string }).canonical)
      : keys.placeholder(),
  };
}

/** The five keys every item-state script starts with. */
export const ITEM_STATE_KEYS = ['items', 'leases', 'ready', 'leased', 'scavenger'] as const;
/** The keys that locate a partition: its metadata, and the global, accounts and account indexes. */
export const PARTITION_INDEX_KEYS = [
  'partitions',
  'globalPartitions',
  'accounts',
  'accountPartitions',
] as const;
/** The in-progress sets a partition's leases count in. */
export const PARTITION_IN_PROGRESS_KEYS = ['inProgressAccount', 'inProgressPartition'] as const;
/** Plus those of an item's custom keys: every in-progress set its lease counts in. */
export const ITEM_IN_PROGRESS_KEYS = [
  ...PARTITION_IN_PROGRESS_KEYS,
  'inProgressCustom1',
  'inProgressCustom2',
] as const;

/** Every key a script of one partition may name, by the names the specs use. */
export interface PartitionScriptKeys extends PartitionKeys {
  items: string;
  leases: string;
  scavenger: string;
  partitions: string;
  globalPartitions: string;
  accounts: string;
}

/** Every key a script of one item may name; a spec picks its own by name. */
export interface ItemScriptKeys extends PartitionScriptKeys, ItemKeys {
  tombstone: string;
}

export function partitionScriptKeys(ctx: ShardContext, p: PartitionRef): PartitionScriptKeys {
  return { ...shardScriptKeys(ctx), ...partitionKeys(ctx, p) };
}

export function itemScriptKeys(ctx: ShardContext, item: QueueItem): ItemScriptKeys {
  return {
    ...shardScriptKeys(ctx),
    ...itemKeys(ctx, item),
    tombstone: ctx.keys.tombstone(item.id),
  };
}

/** The shard-wide keys (one each per shard). */
export function shardScriptKeys(ctx: ShardContext) {
  const { keys } = ctx;
  return {
    items: keys.items(),
    leases: keys.leases(),
    scavenger: keys.scavenger(),
    partitions: keys.partitions(),
    globalPartitions: keys.globalPartitions(),
    accounts: keys.accounts(),
  };
}

/** The partition an item lives in. */
export function itemPartition(item: QueueItem): PartitionRef {
  const ref: PartitionRef = { id: item.partitionId };
  if (item.queueName !== undefined) ref.queueName = item.queueName;
  else if (item.accountId !== undefined) ref.accountId = item.accountId;
  if (item.functionId !== undefined) ref.functionId = item.functionId;
  if (item.envId !== undefined) ref.envId = item.envId;
  return ref;
}

/** A function partition counts against its account (indexes, limits); a system queue does not. */
function countsAnAccount(p: PartitionRef): p is PartitionRef & { accountId: string } {
  return p.queueName === undefined && p.accountId !== undefined;
}

/** The account ID as scripts take it: '' for partitions that no account index lists. */
export function scriptAccountId(p: PartitionRef): string {
  return countsAnAccount(p) ? p.accountId : '';
}
