import type { CustomKeyInput, ThrottleInput } from '../queue/item.js';
import { parseDurationMs } from './duration.js';
import { compileExpression } from './expression.js';
import type { FunctionDefinition } from './function-config.js';
import type { SdkEvent } from './event.js';

/** Seconds of head start `priority.run` may give (Inngest's documented default range). */
export const PRIORITY_RUN_MAX_S = 600;

/**
 * What a run's step items carry for flow control (reference §11.6), fixed when the run is
 * scheduled: the custom concurrency keys (their CEL key evaluated on the trigger event) and the
 * priority factor. Sleeping or waiting runs hold no slot: only leased step items count.
 */
export interface RunFlow {
  customKeys?: CustomKeyInput[];
  priorityFactorS?: number;
}

/** The flow of a new run of `fn` triggered by `event`, and the throttle of its start item. */
export function planRunFlow(
  fn: FunctionDefinition,
  event: SdkEvent,
): { flow: RunFlow; throttle?: ThrottleInput } {
  const flow: RunFlow = {};
  const keys = concurrencyEntries(fn)
    .filter((c) => c.key !== undefined || (c.scope ?? 'fn') !== 'fn')
    .map((c, i) => ({
      scope: c.scope ?? 'fn',
      key: c.key === undefined ? '' : keyValue(c.key, event, `concurrency[${i}].key of ${fn.id}`),
      limit: c.limit,
    }));
  if (keys.length > 0) flow.customKeys = keys;
  const priority = priorityOf(fn, event);
  if (priority !== 0) flow.priorityFactorS = priority;
  const t = fn.throttle;
  if (t === undefined) return { flow };
  const throttle: ThrottleInput = {
    limit: t.limit,
    periodMs: parseDurationMs(t.period) as number, // checked at sync
    ...(t.burst !== undefined ? { burst: t.burst } : {}),
    ...(t.key !== undefined ? { key: keyValue(t.key, event, `throttle.key of ${fn.id}`) } : {}),
  };
  return { flow, throttle };
}

/**
 * The function's own limit on steps executing at once (a concurrency entry with neither key
 * nor another scope); undefined when it has none. A limit of 0 means none, as on Inngest.
 */
export function functionConcurrencyLimit(fn: FunctionDefinition): number | undefined {
  const own = concurrencyEntries(fn).find((c) => c.key === undefined && (c.scope ?? 'fn') === 'fn');
  return own === undefined ? undefined : own.limit;
}

interface ConcurrencyEntry {
  limit: number;
  key?: string;
  scope?: 'fn' | 'env' | 'account';
}

function concurrencyEntries(fn: FunctionDefinition): ConcurrencyEntry[] {
  const c = fn.concurrency as number | ConcurrencyEntry | ConcurrencyEntry[] | undefined;
  if (c === undefined) return [];
  const list = typeof c === 'number' ? [{ limit: c }] : Array.isArray(c) ? c : [c];
  return list.filter((e) => e.limit > 0);
}

/** A key expression's value as a string; an expression that fails gives the empty key. */
function keyValue(source: string, event: SdkEvent, where: string): string {
  const value = compileExpression(source, where).evaluate({ event });
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `priority.run` in seconds, clamped to ±PRIORITY_RUN_MAX_S; 0 when absent or on an error. */
function priorityOf(fn: FunctionDefinition, event: SdkEvent): number {
  const source = fn.priority?.run;
  if (source === undefined) return 0;
  const value = compileExpression(source, `priority.run of ${fn.id}`).evaluate({ event });
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.max(-PRIORITY_RUN_MAX_S, Math.min(PRIORITY_RUN_MAX_S, Math.trunc(value)));
}
