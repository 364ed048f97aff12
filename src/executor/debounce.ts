import { UnknownVersionError } from '../core/errors.js';
import { ulid } from '../core/ulid.js';
import type { QueueItem } from '../queue/item.js';
import { DeferError, type HandlerContext } from '../queue/processor/run/handler.js';
import type { DebounceEventResult } from '../state/shard/debounceEvent.js';
import type { ExecutorContext } from './context.js';
import { parseDurationMs } from './duration.js';
import { toSdkEvent, type StoredEvent } from './event.js';
import { compileExpression } from './expression.js';
import type { DebounceConfig, FunctionDefinition } from './function-config.js';
import { itemIdOf } from './job-ids.js';
import { SYSTEM_ITEM_ATTEMPTS } from './run-items.js';
import { scheduleRun } from './schedule.js';

/**
 * Debounce (reference §11.1): a function's run starts a quiet `period` after the last event of
 * its key, with that one event (the last by `ts`: an older `ts` never replaces a newer one), and
 * at the latest `timeout` after the key's first event. Events of a key gather in a window (one
 * script: open it with its timer item, or join it); its timer fires at the window's first due
 * time and, when later events moved that, waits again until the window is due. A due window
 * closes (later events open a new one), schedules its run under an idempotency key of its own
 * (so a retried timer starts no second run), and is dropped.
 */

/** The key of the one window of a function without `debounce.key`: its ID (as on Inngest). */
function debounceKeyOf(fn: FunctionDefinition, config: DebounceConfig, event: StoredEvent): string {
  if (config.key === undefined) return fn.id;
  const value = compileExpression(config.key, `debounce.key of ${fn.id}`).evaluate({
    event: toSdkEvent(event),
  });
  // An expression that fails keys its events together under '<invalid>', as Inngest does.
  if (value === undefined) return '<invalid>';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const TIMER_PAYLOAD_VERSION = 1;

/** What a debounce timer item carries: the window it fires, and the key that names it. */
interface DebounceTimerPayload {
  windowId: string;
  functionId: string;
  key: string;
}

function decodeTimerPayload(raw: unknown): DebounceTimerPayload {
  const p = raw as (DebounceTimerPayload & { v?: unknown }) | null;
  if (p === null || typeof p !== 'object' || p.v !== TIMER_PAYLOAD_VERSION)
    throw new UnknownVersionError('debounce timer payload', p?.v, [TIMER_PAYLOAD_VERSION]);
  return { windowId: p.windowId, functionId: p.functionId, key: p.key };
}

/** An event for a function with `debounce`: it joins its key's window instead of a run. */
export async function debounceEvent(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  event: StoredEvent,
): Promise<DebounceEventResult> {
  const config = fn.debounce as DebounceConfig;
  const now = ctx.clock.now();
  // Both checked at sync (period 1s..7d, timeout a positive duration).
  const periodMs = parseDurationMs(config.period) as number;
  const timeoutMs = config.timeout === undefined ? 0 : (parseDurationMs(config.timeout) as number);
  const key = debounceKeyOf(fn, config, event);
  const windowId = ulid(now, ctx.random);
  const timer = ctx.queue.buildItem({
    id: itemIdOf(`debounce-${windowId}`),
    kind: 'debounce',
    accountId: ctx.accountId,
    functionId: fn.id,
    maxAttempts: SYSTEM_ITEM_ATTEMPTS,
    at: now + (timeoutMs > 0 ? Math.min(periodMs, timeoutMs) : periodMs),
    payload: { v: TIMER_PAYLOAD_VERSION, windowId, functionId: fn.id, key },
  });
  return await ctx.store.debounces.arrive({
    windowId,
    functionId: fn.id,
    key,
    eventJson: JSON.stringify(event),
    eventTs: event.ts,
    now,
    periodMs,
    timeoutMs,
    timer,
  });
}

/**
 * A debounce timer item: closes its window when due and schedules the window's run; a window
 * not yet due sends the timer back to the queue for its due time (no attempt used).
 */
export async function fireDebounceTimer(
  ctx: ExecutorContext,
  item: QueueItem,
  hctx: HandlerContext,
): Promise<void> {
  const timer = decodeTimerPayload(hctx.payload);
  const fired = await ctx.store.debounces.fire({ ...timer, now: ctx.clock.now() });
  if (fired.status === 'gone') return;
  if (fired.status === 'not-due')
    throw new DeferError(`debounce window ${timer.windowId} is not due yet`, fired.dueAt);
  const fn = await ctx.registry.get(timer.functionId);
  if (fn === null) {
    ctx.log('warn', `debounced function ${timer.functionId} is no longer registered`, {
      item: item.id,
    });
  } else {
    const event = JSON.parse(fired.eventJson) as StoredEvent;
    // The run's idempotency key is its event's, as for any run: a retried timer makes no second
    // run, and neither does the same event (re-sent with its ID) closing a later window.
    await scheduleRun(ctx, fn, [event], {
      preventDebounce: true,
      preventRateLimit: true,
    });
  }
  await ctx.store.debounces.drop(timer.windowId);
}
