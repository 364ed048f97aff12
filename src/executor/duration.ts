/**
 * Inngest time strings, as the SDK sends them and as the Go server reads them.
 *
 * The SDK (4.24.0, `timeStr` in helpers/strings) turns a number of ms, an `ms`-style string or a
 * Temporal duration into units `w d h m s` only: `1000` → `"1s"`, `5400000` → `"1h30m"`, anything
 * in (0, 1 s) is rounded up to `"1s"`, and 0 becomes the empty string. A `Date` or Temporal
 * instant becomes an ISO string (`toISOString()`). Config fields (`throttle.period`,
 * `timeouts.finish`, …) carry the user's string verbatim, which the Go server parses with
 * str2duration: Go's `time.ParseDuration` plus `d` and `w`. This module reads that grammar.
 */

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Longest sleep or waitForEvent timeout the Go executor accepts: 366 days. */
export const MAX_SLEEP_MS = 366 * 86_400_000;

const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/y;

/**
 * Milliseconds of an Inngest duration string (`"2s"`, `"1h30m"`, `"500ms"`, `"1.5h"`, `"1d"`,
 * `"1w"`, Go's `"24h0m0s"`, or `"0"`), or `undefined` when `s` is not one: empty, signed, a bare
 * number other than 0, an unknown unit, or beyond a safe integer of ms. Sub-millisecond parts
 * round up, so a non-zero duration is never 0 ms.
 */
export function parseDurationMs(s: string): number | undefined {
  if (typeof s !== 'string' || s === '') return undefined;
  if (s === '0') return 0;
  let total = 0;
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < s.length) {
    const match = SEGMENT.exec(s);
    if (match === null) return undefined;
    const unit = MS_PER_UNIT[match[2] as string] as number;
    total += Number(match[1]) * unit;
  }
  const ms = Math.ceil(total - 1e-9);
  return Number.isSafeInteger(ms) ? Math.max(0, ms) : undefined;
}

const ISO_DATE = new RegExp(
  '^(\\d{4})-(\\d{2})-(\\d{2})' + // date
    '(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?' + // time, optional seconds
    '([Zz]|[+-]\\d{2}:?\\d{2})?)?$', // zone
);

/**
 * Epoch ms of an ISO 8601 / RFC 3339 date (`"2026-01-02T03:04:05.678Z"`, an offset, or a bare
 * date), or `undefined`. A time without a zone is read as UTC (deterministic, unlike
 * `Date.parse`, which would read it as local time); impossible dates (Feb 30) are refused.
 */
export function parseIsoDateMs(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59))
    return undefined;
  const zoned = m[4] !== undefined && m[7] === undefined ? `${s}Z` : s;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The absolute time (epoch ms) a `Sleep` op's `name`, or a `WaitForEvent` timeout, points at:
 * `now + duration` for a duration, the date itself for an ISO date (at least 10 characters; a
 * date in the past gives `nowMs`), `nowMs` for the empty string (what the SDK sends for a zero
 * duration), `undefined` for anything else. It does not enforce {@link MAX_SLEEP_MS}: the caller
 * decides what a target too far away means (the Go executor fails the run).
 */
export function parseSleepTarget(value: string, nowMs: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === '') return nowMs;
  const duration = parseDurationMs(value);
  if (duration !== undefined) {
    const at = nowMs + duration;
    return Number.isSafeInteger(at) ? at : undefined;
  }
  if (value.length < 10) return undefined;
  const at = parseIsoDateMs(value);
  return at === undefined ? undefined : Math.max(nowMs, at);
}
