import { Cron } from 'croner';
import { dateAt, isoTime } from '../core/clock.js';
import { parseDurationMs } from './duration.js';
import { idempotencyKeyOf, shortHash } from './job-ids.js';

/**
 * Cron schedules of function triggers (reference §11.8), computed by the `croner` library: the
 * standard 5 fields (minute … weekday, no seconds or years) or a descriptor (`@hourly`, …),
 * optionally prefixed `TZ=<IANA zone>` or `CRON_TZ=<IANA zone>` (default UTC). Pure: no clock.
 */

/** The jitter a cron trigger may ask for, ms (Inngest allows 1 s … 5 min). */
export const CRON_JITTER_MS_MIN = 1000;
export const CRON_JITTER_MS_MAX = 5 * 60_000;
/** Parsed schedules kept (they are few: one per cron trigger), cleared when full. */
const CACHE_SIZE_MAX = 1000;

const TZ_PREFIX = /^\s*(?:CRON_)?TZ=(\S*)\s+(.*)$/s;

interface ParsedCron {
  timezone: string;
  pattern: string;
}

const cache = new Map<string, Cron>();

function split(expression: string): ParsedCron {
  const m = TZ_PREFIX.exec(expression);
  if (m === null) return { timezone: 'UTC', pattern: expression.trim() };
  return { timezone: m[1] as string, pattern: (m[2] as string).trim() };
}

function knownZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function compile(expression: string): Cron {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit;
  const { timezone, pattern } = split(expression);
  // No callback: the library only computes times here, it starts no timer.
  const cron = new Cron(pattern, { timezone, mode: '5-part' });
  if (cache.size >= CACHE_SIZE_MAX) cache.clear();
  cache.set(expression, cron);
  return cron;
}

/**
 * What is wrong with a cron trigger's schedule, or undefined when it is good: it must parse, its
 * zone must be known, and it must fire at least once (`0 0 31 2 *` never does).
 */
export function cronProblem(expression: string): string | undefined {
  const { timezone, pattern } = split(expression);
  if (timezone === '') return 'has an empty TZ= prefix';
  if (!knownZone(timezone)) return `names an unknown time zone ${JSON.stringify(timezone)}`;
  if (pattern === '') return 'has no schedule after its TZ= prefix';
  let cron: Cron;
  try {
    cron = compile(expression);
  } catch (err) {
    return `is not a cron schedule of 5 fields or a descriptor: ${(err as Error).message}`;
  }
  if (cron.nextRun(dateAt(0)) === null) return 'never fires';
  return undefined;
}

/** What is wrong with a cron trigger's jitter (a duration string), or undefined. */
export function cronJitterProblem(jitter: string): string | undefined {
  const ms = parseDurationMs(jitter);
  if (ms === undefined) return undefined; // the duration check names it
  if (ms < CRON_JITTER_MS_MIN || ms > CRON_JITTER_MS_MAX) return 'must be between 1s and 5m';
  return undefined;
}

/** The schedule's first tick strictly after `afterMs` (epoch ms); null when it fires no more. */
export function nextCronTick(expression: string, afterMs: number): number | null {
  const next = compile(expression).nextRun(dateAt(afterMs));
  return next === null ? null : next.getTime();
}

/**
 * The job ID of one tick (after Inngest's `{<time>}:{<expr>}:{<fn>}:…:cron:schedule`): the same
 * tick of the same schedule of the same function is one queue item, whoever enqueues it.
 */
export function cronTickJobId(functionId: string, expression: string, tickAt: number): string {
  return `{${tickAt}}:{${expression}}:{${functionId}}:cron:schedule`;
}

/**
 * The tick's jitter, ms: whole seconds in [1 s, jitter) derived from its job ID, so every process
 * and every retry computes the same one; 0 without a jitter.
 */
export function cronJitterMs(jobId: string, jitter: string | undefined): number {
  if (jitter === undefined) return 0;
  const maxS = Math.floor((parseDurationMs(jitter) ?? 0) / 1000);
  const minS = CRON_JITTER_MS_MIN / 1000;
  if (maxS <= minS) return minS * 1000;
  const h = Number.parseInt(shortHash(jobId).slice(0, 8), 16);
  return (minS + (h % (maxS - minS))) * 1000;
}

/** A time in RFC 3339, UTC, as Go's time.RFC3339 writes it (no fraction on whole seconds). */
export function rfc3339(ms: number): string {
  const iso = isoTime(ms);
  return ms % 1000 === 0 ? iso.replace(/\.000Z$/, 'Z') : iso;
}

/** A tick's run idempotency key: one run per function, schedule and tick time. */
export function cronIdempotencyKey(functionId: string, expression: string, tickAt: number) {
  return idempotencyKeyOf(functionId, `cron:${expression}:${rfc3339(tickAt)}`);
}
