import { checkIntOption } from '../../core/option-checks.js';
import { InvalidOptionError } from '../../core/errors.js';
import type { QueueItem } from '../item.js';
import type { PartitionRef } from '../partition.js';
import type { Queue } from '../queue.js';
import type { Handler } from './run/handler.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Concurrency limits looked up per partition at lease time; undefined = unlimited. */
export interface LimitLookup {
  account?: (accountId: string) => number | undefined;
  /**
   * Function IDs are per account: the lookup gets both. It may answer a promise (a limit that
   * must be read first): the lease waits for it.
   */
  function?: (
    functionId: string,
    accountId: string,
  ) => number | undefined | Promise<number | undefined>;
  system?: (queueName: string) => number | undefined;
}

export interface ProcessorHooks {
  /** An item failed for the last time (non-retriable error or out of attempts) and was removed. */
  onPermanentFailure?: (item: QueueItem, error: unknown) => void;
  /** Log lines (default: warnings and errors to stderr). */
  log?: Logger;
}

export interface ProcessorOptions {
  queue: Queue;
  handler: Handler;
  /** Worker slots: items run at once by this process (default 100). */
  concurrency?: number;
  /** Names of the shards to process (default: all of the queue's). */
  shards?: readonly string[];
  /** Concurrency limits (default 1000 per account and per function, 100 000 per system queue). */
  limits?: LimitLookup;
  /** Partitions processed in parallel rather than FIFO (default: system queues). */
  parallel?: (partition: PartitionRef) => boolean;
  /** Item lease, ms (default 30 000); extended every leaseMs / 2 while the handler runs. */
  leaseMs?: number;
  /** Partition lease held while a scanner works a partition, ms (default 4000). */
  partitionLeaseMs?: number;
  /** Items due this soon are taken early and waited for in memory, ms (default 1000). */
  lookaheadMs?: number;
  /** Share of scans that go account by account rather than over the global index (default 0.85). */
  accountScanWeight?: number;
  /** Accounts per account scan (default 30). */
  accountPeekMax?: number;
  /** Partitions per scan (default 300, split among the accounts of an account scan). */
  partitionPeekMax?: number;
  /** Items peeked from one partition at a time (default 100). */
  itemPeekMax?: number;
  /**
   * Partition passes a scanner runs at once (default 8; 1 while it holds the sequential role).
   * Passes are a few round trips each, so with many partitions due a scan is latency-bound.
   */
  passConcurrency?: number;
  /**
   * While a scanner is hungry (its last scan filled pages), it reuses its last global page of
   * due partitions for this long instead of peeking again, dropping each partition a pass found
   * drained, ms (default 20; 0 peeks every scan). Bounds how late a newly due partition is seen.
   */
  pageReuseMs?: number;
  /** Longest idle sleep when nothing is due; wake-ups normally end it sooner, ms (default 2000). */
  idleMaxMs?: number;
  /** Forced partition requeue after a function/account/custom-key limit, ms (default 5000). */
  concurrencyRequeueMs?: number;
  /** Partition requeue after a pass, ms (default 30 000), plus 1..requeueJitterMs (30 000). */
  defaultRequeueMs?: number;
  requeueJitterMs?: number;
  /** Multiplies the retry backoff table and its jitter (default 1; small in tests). */
  backoffScale?: number;
  /** Uniform retry jitter before scaling, ms (default 30 000). */
  retryJitterMs?: number;
  /** Continuations per partition before a cooldown (default 5). */
  continuationLimit?: number;
  continuationCooldownMs?: number;
  /** Partitions tracked for continuation at once (default 50). */
  continuationsMax?: number;
  /**
   * Run the scavenger role when this process wins it (default true), every intervalMs (default
   * 1000: a pass with nothing expired is one cheap peek). A lost lease is recovered within about
   * leaseMs + intervalMs, or roleLeaseMs if the lost process held the role.
   */
  scavenger?: { enabled?: boolean; intervalMs?: number };
  /** Role lease, ms (default 3000); renewed every third of it. */
  roleLeaseMs?: number;
  /** Try to hold the sequential role: its holder scans in score order instead of at random. */
  sequential?: boolean;
  /** close(): how long running handlers may finish before their items are requeued (30 000 ms). */
  shutdownTimeoutMs?: number;
  hooks?: ProcessorHooks;
}

export type ResolvedOptions = Required<
  Omit<ProcessorOptions, 'shards' | 'limits' | 'parallel' | 'scavenger' | 'hooks'>
> & {
  shards: readonly string[];
  limits: LimitLookup;
  parallel: (partition: PartitionRef) => boolean;
  scavengerEnabled: boolean;
  scavengeIntervalMs: number;
  onPermanentFailure: (item: QueueItem, error: unknown) => void;
  log: Logger;
};

export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
export const DEFAULT_FUNCTION_CONCURRENCY = 1000;
export const DEFAULT_SYSTEM_CONCURRENCY = 100_000;

/** Warnings and errors to stderr: the log of a processor (and an engine) given none. */
export const defaultLog: Logger = (level, message, fields) => {
  if (level === 'warn' || level === 'error')
    console.warn(`[durq ${level}] ${message}`, fields ?? '');
};

export function resolveOptions(o: ProcessorOptions): ResolvedOptions {
  if (!o || typeof o.handler !== 'function')
    throw new InvalidOptionError('handler', 'must be a function');
  if (!o.queue) throw new InvalidOptionError('queue', 'is required');
  const names = o.queue.shards.map((s) => s.name);
  const shards = o.shards ?? names;
  for (const name of shards)
    if (!names.includes(name))
      throw new InvalidOptionError('shards', `names unknown shard '${name}'`);
  const leaseMs = o.leaseMs ?? 30_000;
  const r: ResolvedOptions = {
    queue: o.queue,
    handler: o.handler,
    concurrency: o.concurrency ?? 100,
    shards,
    limits: o.limits ?? {},
    parallel: o.parallel ?? ((p) => p.queueName !== undefined),
    leaseMs,
    partitionLeaseMs: o.partitionLeaseMs ?? 4000,
    lookaheadMs: o.lookaheadMs ?? 1000,
    accountScanWeight: o.accountScanWeight ?? 0.85,
    accountPeekMax: o.accountPeekMax ?? 30,
    partitionPeekMax: o.partitionPeekMax ?? 300,
    itemPeekMax: o.itemPeekMax ?? 100,
    passConcurrency: o.passConcurrency ?? 8,
    pageReuseMs: o.pageReuseMs ?? 20,
    idleMaxMs: o.idleMaxMs ?? 2000,
    concurrencyRequeueMs: o.concurrencyRequeueMs ?? 5000,
    defaultRequeueMs: o.defaultRequeueMs ?? 30_000,
    requeueJitterMs: o.requeueJitterMs ?? 30_000,
    backoffScale: o.backoffScale ?? 1,
    retryJitterMs: o.retryJitterMs ?? 30_000,
    continuationLimit: o.continuationLimit ?? 5,
    continuationCooldownMs: o.continuationCooldownMs ?? 10_000,
    continuationsMax: o.continuationsMax ?? 50,
    scavengerEnabled: o.scavenger?.enabled ?? true,
    scavengeIntervalMs: o.scavenger?.intervalMs ?? 1000,
    roleLeaseMs: o.roleLeaseMs ?? 3000,
    sequential: o.sequential ?? false,
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? 30_000,
    onPermanentFailure: o.hooks?.onPermanentFailure ?? (() => {}),
    log: o.hooks?.log ?? defaultLog,
  };
  checkResolved(r);
  return r;
}

/** Range checks of the resolved options; the errors name the option. */
function checkResolved(r: ResolvedOptions): void {
  checkIntOption('concurrency', r.concurrency, 1, 100_000);
  checkIntOption('leaseMs', r.leaseMs, 100, 24 * 3600_000);
  checkIntOption('partitionLeaseMs', r.partitionLeaseMs, 10, 600_000);
  checkIntOption('lookaheadMs', r.lookaheadMs, 0, 60_000);
  checkIntOption('accountPeekMax', r.accountPeekMax, 1, 5000);
  checkIntOption('partitionPeekMax', r.partitionPeekMax, 1, 5000);
  checkIntOption('itemPeekMax', r.itemPeekMax, 1, 1000);
  checkIntOption('passConcurrency', r.passConcurrency, 1, 256);
  checkIntOption('pageReuseMs', r.pageReuseMs, 0, 10_000);
  checkIntOption('idleMaxMs', r.idleMaxMs, 1, 3_600_000);
  checkIntOption('concurrencyRequeueMs', r.concurrencyRequeueMs, 1, 3_600_000);
  checkIntOption('defaultRequeueMs', r.defaultRequeueMs, 1, 86_400_000);
  checkIntOption('requeueJitterMs', r.requeueJitterMs, 0, 86_400_000);
  checkIntOption('retryJitterMs', r.retryJitterMs, 0, 86_400_000);
  checkIntOption('continuationLimit', r.continuationLimit, 0, 1000);
  checkIntOption('continuationCooldownMs', r.continuationCooldownMs, 0, 3_600_000);
  checkIntOption('continuationsMax', r.continuationsMax, 0, 100_000);
  checkIntOption('scavenger.intervalMs', r.scavengeIntervalMs, 1, 86_400_000);
  checkIntOption('roleLeaseMs', r.roleLeaseMs, 30, 3_600_000);
  checkIntOption('shutdownTimeoutMs', r.shutdownTimeoutMs, 0, 86_400_000);
  if (!(r.accountScanWeight >= 0 && r.accountScanWeight <= 1)) {
    throw new InvalidOptionError(
      'accountScanWeight',
      `must be in [0, 1], got ${r.accountScanWeight}`,
    );
  }
  if (!(r.backoffScale > 0 && r.backoffScale <= 1000)) {
    throw new InvalidOptionError('backoffScale', `must be in (0, 1000], got ${r.backoffScale}`);
  }
}
