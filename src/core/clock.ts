import { InvalidOptionError } from './errors.js';

/** Time as the product sees it: integer ms since the epoch, and a cancellable sleep. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. The only place in src/ that may read Date.now or start a timer. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

interface Sleeper {
  wakeAtMs: number;
  resolve: () => void;
}

/** A clock that moves only when told to. Sleepers wake in deadline order as time passes them. */
export class ManualClock implements Clock {
  private nowMs: number;
  private sleepers: Sleeper[] = [];

  constructor(startMs = 1_700_000_000_000) {
    assertTime(startMs);
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const sleeper: Sleeper = { wakeAtMs: this.nowMs + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms` and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0)
      throw new InvalidOptionError('ms', `must be a non-negative integer, got ${ms}`);
    this.set(this.nowMs + ms);
  }

  /** Sets the time; it may not go backwards. */
  set(ms: number): void {
    assertTime(ms);
    if (ms < this.nowMs)
      throw new InvalidOptionError('ms', `cannot go back from ${this.nowMs} to ${ms}`);
    this.nowMs = ms;
    const due = this.sleepers
      .filter((s) => s.wakeAtMs <= ms)
      .sort((a, b) => a.wakeAtMs - b.wakeAtMs);
    this.sleepers = this.sleepers.filter((s) => s.wakeAtMs > ms);
    for (const s of due) s.resolve();
  }

  /** Number of sleepers still waiting: lets tests know that a loop has parked. */
  pendingSleeps(): number {
    return this.sleepers.length;
  }
}

function assertTime(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new InvalidOptionError('ms', `must be a non-negative integer clock time, got ${ms}`);
}

/** An epoch-ms time as an ISO 8601 string (UTC, ms precision), as REST APIs show times. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** What {@link within} resolves to when the deadline came first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/** `p`'s value if it settles within `ms` of `clock`, else TIMED_OUT (p keeps running). */
export async function within<T>(
  clock: Clock,
  ms: number,
  p: Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  const ac = new AbortController();
  try {
    const deadline = clock.sleep(ms, ac.signal).then((): typeof TIMED_OUT => TIMED_OUT);
    return await Promise.race([p, deadline]);
  } finally {
    ac.abort();
  }
}

/** An epoch-ms time as a Date, for libraries that take one (the cron library). */
export function dateAt(ms: number): Date {
  return new Date(ms);
}
