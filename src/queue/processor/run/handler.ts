import { DurqError } from '../../../core/errors.js';
import type { QueueItem } from '../../item.js';

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
}

/** What a handler may report back. */
export interface HandlerResult {
  /** It enqueued work due now on the same partition: process that partition again at once. */
  scheduledImmediateWork?: boolean;
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
