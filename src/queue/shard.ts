import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { ShardKeys } from './keys.js';
import type { RedisTransport } from '../redis/transport.js';
import { checkIntOption } from '../core/option-checks.js';
import type { QueueItem } from './item.js';
import type { PartitionRef } from './partition.js';
import type { ShardContext } from './shard/context.js';
import { countItems } from './shard/countItems.js';
import { dequeueItem, type DequeueEntry } from './shard/dequeue.js';
import { dequeueItems } from './shard/dequeueBatch.js';
import { enqueueItem, type EnqueueResult } from './shard/enqueue.js';
import { extendLease } from './shard/extendLease.js';
import { leaseItem } from './shard/lease.js';
import type { ExtendResult, FenceResult, LeaseOptions, LeaseResult } from './shard/lease-common.js';
import { leaseItems, type LeaseBatchOptions } from './shard/leaseBatch.js';
import { leasePartition, type PartitionLeaseResult } from './shard/partitionLease.js';
import { passPartition, type PassOptions, type PassResult } from './shard/partitionPass.js';
import {
  peekPartitions,
  type PartitionPeekResult,
  type PointerPeekOptions,
} from './shard/partitionPeek.js';
import {
  requeuePartition,
  type PartitionRequeueOptions,
  type PartitionRequeueResult,
} from './shard/partitionRequeue.js';
import { peekItems, type PeekedItem } from './shard/peek.js';
import { nextDueAt, peekAccounts } from './shard/peekByScore.js';
import { getItem, getLeaseId } from './shard/reads.js';
import { requeueItem, type RequeueOptions } from './shard/requeue.js';
import { leaseRole, releaseRole, type RoleLeaseResult } from './shard/roleLease.js';
import { scavenge, type ScavengeOptions, type ScavengeResult } from './shard/scavengePartition.js';

export const DEFAULT_TOMBSTONE_TTL_MS = 12 * 3600 * 1000;
export const GRACE_MS_MAX = 60_000;

export interface QueueShardOptions {
  /** The shard's name: its keys live under the hash tag `{name}`. */
  name: string;
  transport: RedisTransport;
  clock: Clock;
  random: Random;
  /** Bound on clock skew between processes, ms (default 0). See README "Clock skew". */
  graceMs?: number;
  /** How long a dequeued ID stays reserved, ms (default 12 h). */
  tombstoneTtlMs?: number;
}

/** One queue shard: every atomic operation is one Lua script on one Redis slot. */
export class QueueShard {
  readonly name: string;
  readonly keys: ShardKeys;
  private readonly ctx: ShardContext;

  constructor(opts: QueueShardOptions) {
    const graceMs = opts.graceMs ?? 0;
    checkIntOption('graceMs', graceMs, 0, GRACE_MS_MAX);
    const tombstoneTtlMs = opts.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    checkIntOption('tombstoneTtlMs', tombstoneTtlMs, 0);
    this.name = opts.name;
    this.keys = new ShardKeys(opts.name);
    this.ctx = {
      keys: this.keys,
      transport: opts.transport,
      clock: opts.clock,
      random: opts.random,
      graceMs,
      tombstoneTtlMs,
    };
  }

  get graceMs(): number {
    return this.ctx.graceMs;
  }

  /** What the shard's scripts share (keys, transport, clock), for the run-state scripts. */
  get context(): ShardContext {
    return this.ctx;
  }

  /** Stores a built item (see Queue.enqueue, which validates and scores input). */
  enqueue(item: QueueItem): Promise<EnqueueResult> {
    return enqueueItem(this.ctx, item);
  }
  peek(partition: PartitionRef, untilMs: number, limit: number): Promise<PeekedItem[]> {
    return peekItems(this.ctx, partition, untilMs, limit);
  }
  getItem(id: string): Promise<QueueItem | null> {
    return getItem(this.ctx, id);
  }
  getLeaseId(id: string): Promise<string | null> {
    return getLeaseId(this.ctx, id);
  }

  peekPartitions(opts: PointerPeekOptions & { accountId?: string }): Promise<PartitionPeekResult> {
    return peekPartitions(this.ctx, opts);
  }
  peekAccounts(
    opts: PointerPeekOptions,
  ): Promise<{ due: number; accounts: { id: string; score: number }[] }> {
    return peekAccounts(this.ctx, opts);
  }
  leasePartition(partition: PartitionRef, durationMs: number): Promise<PartitionLeaseResult> {
    return leasePartition(this.ctx, partition, durationMs);
  }
  requeuePartition(
    partition: PartitionRef,
    opts: PartitionRequeueOptions,
  ): Promise<PartitionRequeueResult> {
    return requeuePartition(this.ctx, partition, opts);
  }

  lease(item: QueueItem, opts: LeaseOptions): Promise<LeaseResult> {
    return leaseItem(this.ctx, item, opts);
  }
  leaseBatch(items: readonly QueueItem[], opts: LeaseBatchOptions): Promise<LeaseResult[]> {
    return leaseItems(this.ctx, items, opts);
  }
  /** A whole scanner pass in one call, for partitions without custom keys or throttles. */
  passPartition(partition: PartitionRef, opts: PassOptions): Promise<PassResult> {
    return passPartition(this.ctx, partition, opts);
  }
  extendLease(item: QueueItem, leaseId: string, durationMs: number): Promise<ExtendResult> {
    return extendLease(this.ctx, item, leaseId, durationMs);
  }
  dequeue(item: QueueItem, leaseId: string | null): Promise<FenceResult> {
    return dequeueItem(this.ctx, { item, leaseId });
  }
  dequeueBatch(entries: readonly DequeueEntry[]): Promise<FenceResult[]> {
    return dequeueItems(this.ctx, entries);
  }
  requeue(item: QueueItem, leaseId: string, opts: RequeueOptions): Promise<FenceResult> {
    return requeueItem(this.ctx, item, leaseId, opts);
  }
  scavenge(opts?: ScavengeOptions): Promise<ScavengeResult> {
    return scavenge(this.ctx, opts);
  }

  leaseRole(
    role: string,
    durationMs: number,
    currentLeaseId: string | null,
  ): Promise<RoleLeaseResult> {
    return leaseRole(this.ctx, role, durationMs, currentLeaseId);
  }
  releaseRole(role: string, currentLeaseId: string): Promise<void> {
    return releaseRole(this.ctx, role, currentLeaseId);
  }
  /** How many items the shard holds (ready, leased or future): one cheap round trip. */
  countItems(): Promise<number> {
    return countItems(this.ctx);
  }
  /** The earliest partition score of the shard, or null when it holds nothing. */
  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.ctx);
  }
  /**
   * Calls `onWake` whenever a partition becomes due earlier than before (enqueue, retry, a
   * dequeue that frees capacity, a scavenge: kind 'due'), or a scanner's pass left due items in
   * a partition behind (kind 'left').
   */
  onWake(onWake: (dueAt: number, kind: 'due' | 'left') => void): Promise<() => Promise<void>> {
    return this.ctx.transport.subscribe(this.keys.wakeChannel(), (m) => {
      const [at, kind] = m.split('|');
      onWake(Number(at), kind === 'left' ? 'left' : 'due');
    });
  }
}
