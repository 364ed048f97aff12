import { UnknownVersionError } from '../core/errors.js';
import { ulid } from '../core/ulid.js';
import type { QueueItem } from '../queue/item.js';
import { BatchStore } from '../state/batch-store.js';
import type { RunStore } from '../state/run-store.js';
import type { ExecutorContext } from './context.js';
import { parseDurationMs } from './duration.js';
import { toSdkEvent, type StoredEvent } from './event.js';
import { compileExpression } from './expression.js';
import type { BatchEventsConfig, FunctionDefinition } from './function-config.js';
import { idempotencyKeyOf, itemIdOf } from './job-ids.js';
import { SYSTEM_ITEM_ATTEMPTS } from './run-items.js';
import { scheduleRun } from './schedule.js';

/** The system queue of batch timers (Inngest's `schedule-batch`). */
export const BATCH_QUEUE = 'schedule-batch';
/** The smallest maxSize that batches; a maxSize of 1 runs every event alone. */
export const BATCH_SIZE_MIN = 2;
/** Event JSON that fills a batch whatever its maxSize (Inngest closes one at 10 MiB). */
export const BATCH_BYTES_MAX = 10 * 1024 * 1024;
/** How long an event stays marked as batched for a function (a retried append adds nothing). */
export const BATCH_SEEN_TTL_MS = 30 * 60_000;
/** Garbage collection of a key's batch pointer after its batch's timeout; carries no meaning. */
const BATCH_POINTER_SLACK_MS = 24 * 3600_000;
const BATCH_TIMER_VERSION = 1;

const stores = new WeakMap<RunStore, BatchStore>();

function batchStore(ctx: ExecutorContext): BatchStore {
  let store = stores.get(ctx.store);
  if (store === undefined) {
    store = new BatchStore(ctx.store.shard);
    stores.set(ctx.store, store);
  }
  return store;
}

/**
 * An event for a function with batchEvents (reference §11.2): when the config's `if` holds, it
 * goes into the open batch of its key (the key's CEL value; one batch per function without a
 * key), and a batch that fills starts its run at once; one that does not starts at its timeout
 * (the timer its first event queued). When `if` is false or errors, the event runs alone now.
 */
export async function batchEvent(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  event: StoredEvent,
): Promise<void> {
  const config = fn.batchEvents as BatchEventsConfig;
  const sdkEvent = toSdkEvent(event);
  // A batch of one is no batching (as on Inngest): the event runs as any other.
  if (config.maxSize < BATCH_SIZE_MIN) return void (await scheduleRun(ctx, fn, [event]));
  if (config.if !== undefined) {
    const cond = compileExpression(config.if, `batchEvents.if of ${fn.id}`);
    if (!cond.matches({ event: sdkEvent })) return void (await scheduleRun(ctx, fn, [event]));
  }
  const timeoutMs = parseDurationMs(config.timeout) as number; // checked at sync
  const now = ctx.clock.now();
  const newBatchId = ulid(now, ctx.random);
  const appended = await batchStore(ctx).append({
    functionId: fn.id,
    batchKey: config.key === undefined ? '' : batchKeyOf(config.key, sdkEvent, fn.id),
    eventId: event.internalId,
    eventJson: JSON.stringify(event),
    maxSize: config.maxSize,
    maxBytes: BATCH_BYTES_MAX,
    seenTtlMs: BATCH_SEEN_TTL_MS,
    pointerTtlMs: timeoutMs + BATCH_POINTER_SLACK_MS,
    newBatchId,
    timer: batchTimer(ctx, fn.id, newBatchId, now + timeoutMs),
  });
  if (appended.status === 'full') await startFullBatch(ctx, appended.batchId);
}

/**
 * A full batch starts at once. The event is in it whatever happens next, so a failure here does
 * not fail the send: the batch's timer, still queued, starts it at its timeout instead.
 */
async function startFullBatch(ctx: ExecutorContext, batchId: string): Promise<void> {
  try {
    await startBatch(ctx, batchId);
  } catch (err) {
    ctx.log('warn', `full batch ${batchId} did not start now; its timer will start it`, {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * Starts a batch's run with all its events, exactly once: the run's idempotency key derives from
 * the batch ID, so a timer that fires while a full batch starts, or a retry after a crash
 * between the run and the batch's deletion, makes no second run. The batch is deleted once its
 * run exists; a batch already gone started its run before.
 */
export async function startBatch(ctx: ExecutorContext, batchId: string): Promise<void> {
  const store = batchStore(ctx);
  const batch = await store.close(batchId);
  if (batch === null) return;
  const fn = await ctx.registry.get(batch.functionId);
  if (fn === null) {
    ctx.log('warn', `batch ${batchId}: function ${batch.functionId} is not registered; dropped`);
  } else if (batch.eventsJson.length > 0) {
    const events = batch.eventsJson.map((json) => JSON.parse(json) as StoredEvent);
    await scheduleRun(ctx, fn, events, {
      idempotencyKey: batchIdempotencyKey(fn.id, batchId),
      batchId,
      preventRateLimit: true,
      preventDebounce: true,
    });
  }
  await store.delete(batchId);
}

/** A batch timer firing (a `schedule-batch` item): its batch starts, full or not. */
export async function onBatchTimer(ctx: ExecutorContext, payload: unknown): Promise<void> {
  await startBatch(ctx, decodeBatchTimer(payload).batchId);
}

/** The idempotency key of a batch's run (Inngest's source: `<fn>-<batchId>`). */
export function batchIdempotencyKey(functionId: string, batchId: string): string {
  return idempotencyKeyOf(functionId, `${functionId}-${batchId}`);
}

/** The job ID of a batch's timer (Inngest's: `<env>:<batchId>`). */
export function batchTimerJobId(batchId: string): string {
  return `batch-timer:${batchId}`;
}

/** The batch key's value for an event: its CEL value as a string; '' when it errors. */
function batchKeyOf(source: string, event: unknown, functionId: string): string {
  const value = compileExpression(source, `batchEvents.key of ${functionId}`).evaluate({ event });
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function batchTimer(ctx: ExecutorContext, functionId: string, batchId: string, at: number) {
  const item: QueueItem = ctx.queue.buildItem({
    id: itemIdOf(batchTimerJobId(batchId)),
    kind: 'schedule-batch',
    // The account routes it to the shard holding the batch; the queue is a system one.
    accountId: ctx.accountId,
    functionId,
    queueName: BATCH_QUEUE,
    at,
    maxAttempts: SYSTEM_ITEM_ATTEMPTS,
    payload: { v: BATCH_TIMER_VERSION, batchId, functionId },
  });
  return item;
}

function decodeBatchTimer(raw: unknown): { batchId: string; functionId: string } {
  const p = raw as { v?: unknown; batchId?: unknown; functionId?: unknown } | null;
  if (p === null || typeof p !== 'object' || p.v !== BATCH_TIMER_VERSION)
    throw new UnknownVersionError('batch timer payload', p?.v, [BATCH_TIMER_VERSION]);
  return { batchId: String(p.batchId), functionId: String(p.functionId) };
}
