import { InvalidArgumentError } from 'commander';
import { DurqError } from '../core/errors.js';
import { isHttpUrl } from '../core/http-url.js';
import { parseDurationMs } from '../executor/duration.js';

/** A command-line argument or option is wrong; the CLI exits with code 2 and this message. */
export class UsageError extends DurqError {
  override name = 'UsageError';

  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Exit codes of every durq command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Option parsers for commander: each refuses a bad value with what was expected. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function positiveNumberArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** A duration: a time string (`500ms`, `30s`, `1m`) or a bare number of milliseconds. */
export function durationArg(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a duration such as 500ms, 30s, 1m');
  return ms;
}

/** A repeatable option (also comma-separated, as its environment variable gives it). */
export function listArg(value: string, previous: string[] | undefined): string[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...(previous ?? []), ...parts];
}

export function httpUrlArg(value: string): string {
  if (!isHttpUrl(value)) throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}
