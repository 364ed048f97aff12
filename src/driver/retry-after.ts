const SECOND_MS = 1000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;

/**
 * When a `Retry-After` header asks to be retried, in ms since the epoch, as the Inngest
 * executor reads it: a value of at most 7 characters is an integer number of seconds, a longer
 * one a date (RFC 3339, RFC 1123, ISO 8601). The time is clamped to [now + 1 s, now + 24 h].
 * A missing or unparsable value gives undefined (the caller's backoff applies).
 */
export function retryAtFromHeader(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let at: number;
  if (text.length <= 7) {
    if (!/^[+-]?\d+$/.test(text)) return undefined;
    at = nowMs + Number(text) * SECOND_MS;
  } else {
    at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
  }
  return Math.min(Math.max(at, nowMs + SECOND_MS), nowMs + DAY_MS);
}
