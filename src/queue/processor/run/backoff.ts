import type { Random } from '../../../core/random.js';

/** Retry delays by attempt index: 15s, 30s, 1m, 2m, 5m, 10m, 20m, 40m, 1h, then 2h. */
export const BACKOFF_TABLE_MS: readonly number[] = [
  15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 7_200_000,
];

export interface BackoffOptions {
  /** Multiplies table and jitter: 1 in production, small in tests and benchmarks. */
  scale: number;
  /** Uniform jitter added to each delay, 0..jitterMs (before scaling). */
  jitterMs: number;
}

/** The delay before retry number `attempt + 1`, after `attempt` failed attempts (0-based). */
export function retryDelayMs(attempt: number, random: Random, opts: BackoffOptions): number {
  const base = BACKOFF_TABLE_MS[Math.min(attempt, BACKOFF_TABLE_MS.length - 1)] as number;
  const jitter = opts.jitterMs > 0 ? random.int(opts.jitterMs + 1) : 0;
  return Math.max(1, Math.round((base + jitter) * opts.scale));
}
