import { DurqError } from '../../../core/errors.js';
import type { QueueItem } from '../../item.js';
import type { ConcurrencyLimits } from '../../shard/lease-common.js';

/** What a handler learns about the item it runs. */
export interface HandlerContext {
  /** Fires when the lease is lost (the item may run elsewhere) or the processor shuts down. */
  signal: AbortSignal;
  /** 0-based count of earlier failed attempts. */
  attempt: number;
  /** The payload, parsed. */
  payload: unknown;
  /** The shard the item lives on. */
  shard: string;
  /**
   * Runs a write that settles the item itself, fenced by its lease (e.g. one script that commits
   * what the handler produced and acks the item at once). Lease extension stops, `op` gets the
   * current lease ID, and once the handler returns the processor neither acks nor retries the
   * item. If the handler throws afterwards, the processor retries the item as usual (fenced: a
   * write that did settle it leaves nothing to retry).
   */
  settle<T>(op: (leaseId: string) => Promise<T>): Promise<T>;
  /**
   * Present when this slot may run a follow-up item at once (HandlerResult.next): a handler that
   * enqueues an item due now may lease it to itself in the write that settles this one (with a
   * fresh `newLease()`, under these limits), and the processor runs it next in this slot, with
   * no scan in between. Absent while the processor closes, and after `continuationLimit` items
   * in a row, so that a slot does not keep to one partition.
   */
  chain?: {
    newLease(): { id: string; expiresAt: number };
    limits: ConcurrencyLimits;
  };
}

/** What a handler may report back. */
export interface HandlerResult {
  /** It enqueued work due now on the same partition: process that partition again at once. */
  scheduledImmediateWork?: boolean;
  /** An item the handler leased to itself through `chain` while settling: run it next here. */
  next?: { item: QueueItem; lease: { id: string; expiresAt: number } };
}

export type Handler = (item: QueueItem, ctx: HandlerContext) => Promise<HandlerResult | void>;

/** Thrown by a handler: do not retry; the item ends as a permanent failure. */
export class NonRetriableError extends DurqError {
  override name = 'NonRetriableError';
  readonly retriable = false;

  constructor(message: string, options?: ErrorOptions) {
    super('NON_RETRIABLE', message, options);
  }
}

/** Thrown by a handler: retry at this time (ms) instead of at the backoff table's. */
export class RetryAtError extends DurqError {
  override name = 'RetryAtError';
  readonly retryAt: number;

  constructor(message: string, retryAt: number, options?: ErrorOptions) {
    super('RETRY_AT', message, options);
    this.retryAt = retryAt;
  }
}

/**
 * Thrown by a handler that could not do its work for a reason of its own infrastructure (e.g. a
 * Redis outage while it must record a final outcome): the item is requeued for `retryAt` without
 * consuming an attempt, so an outage never uses up, or drops, the work's last attempt.
 */
export class DeferError extends DurqError {
  override name = 'DeferError';
  readonly retryAt: number;

  constructor(message: string, retryAt: number, options?: ErrorOptions) {
    super('DEFERRED', message, options);
    this.retryAt = retryAt;
  }
}

/** The reason a running handler's signal aborts when its processor closes before it finished. */
export class ProcessorClosingError extends DurqError {
  override name = 'ProcessorClosingError';

  constructor() {
    super('PROCESSOR_CLOSING', 'the processor is closing: the item was requeued');
  }
}

/** Any error with `retriable === false` is final (so SDK error classes can opt in). */
export function isNonRetriable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === false
  );
}

/** Any error with a numeric `retryAt` carries an explicit retry time. */
export function explicitRetryAt(err: unknown): number | undefined {
  const at =
    typeof err === 'object' && err !== null ? (err as { retryAt?: unknown }).retryAt : undefined;
  return typeof at === 'number' && Number.isFinite(at) ? Math.round(at) : undefined;
}
