import { ulidTime } from '../core/ulid.js';
import { PRIORITY_FACTOR_KINDS, PROMOTABLE_KINDS, type ItemKind } from './item.js';

/** Items due within this window of now are promotable (scored at their run's start). */
export const PROMOTION_WINDOW_MS = 2_000;
export const PRIORITY_FACTOR_S_MAX = 43_200;
/** Kinds that wait for a time the run asked for: never run before it. */
const TIMER_KINDS: ReadonlySet<ItemKind> = new Set(['sleep', 'pause']);

export interface ItemTimes {
  /** Requested time minus the priority factor. */
  at: number;
  wallTimeMs: number;
  /** Ready-set score. */
  score: number;
}

/**
 * Scores an item. A promotable item due within the window is scored at its run's start (so steps
 * of older runs go first) and, for start/edge kinds, moved ahead by its priority factor; items
 * further in the future keep their requested time; sleeps are never moved by the factor, and
 * timers (sleep, pause) are promoted only when already due.
 */
export function itemTimes(
  kind: ItemKind,
  requestedAt: number,
  priorityFactorS: number,
  runId: string | undefined,
  now: number,
): ItemTimes {
  const factorMs = PRIORITY_FACTOR_KINDS.has(kind) ? priorityFactorS * 1000 : 0;
  // A timer (a sleep's wake-up, a pause's timeout) is promoted only once its time has come:
  // scored at its run's start while still ahead, it would fire early.
  const window = TIMER_KINDS.has(kind) ? 0 : PROMOTION_WINDOW_MS;
  const due = requestedAt <= now + window;
  let score = requestedAt;
  if (due && PROMOTABLE_KINDS.has(kind)) {
    const base = runId === undefined ? requestedAt : Math.min(ulidTime(runId), requestedAt);
    score = base - factorMs;
  }
  return { at: requestedAt - factorMs, wallTimeMs: Math.max(requestedAt, now), score };
}
