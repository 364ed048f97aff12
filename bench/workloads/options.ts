/** The options and outcomes of the workloads that durq and its peers run alike. */
import type { BenchResult } from '../harness/result.js';

export interface DrainOptions {
  items: number;
  concurrency: number;
  functions: number;
  accounts: number;
  /** Per-function concurrency limit (durq); BullMQ has none per function. */
  functionLimit: number;
  /** durq queue shards: a count or names (the cluster workload spreads accounts over them). */
  shards?: number | string[];
}

export type EnqueueMode = 'single' | 'concurrent' | 'batched';

export interface EnqueueOptions {
  mode: EnqueueMode;
  items: number;
  /** In flight at once (concurrent) or per batch (batched); 1 for single. */
  width: number;
}

export interface LatencyOptions {
  /** Arrivals per second (Poisson). */
  rate: number;
  durationMs: number;
  concurrency: number;
  /** The load level this rate stands for, e.g. "50%" of drain capacity. */
  label: string;
  seed: number;
}

export interface LatencyRun {
  result: BenchResult;
  cdf: [number, number][];
}

export interface CapOptions {
  items: number;
  cap: number;
  processes: number;
  /** Each item's handler time, ms. */
  workMs: number;
}

export interface NoisyOptions {
  /** Items the noisy tenant dumps at once. */
  dump: number;
  /** Small tenants, each trickling `ratePerTenant` items/s (Poisson). */
  tenants: number;
  ratePerTenant: number;
  /** Trickle alone first, for the unloaded waits, ms. */
  unloadedMs: number;
  concurrency: number;
  bucketMs: number;
  seed: number;
}

export interface NoisyOutcome {
  result: BenchResult;
  fairness: { label: string; bucketMs: number; tenants: Record<string, number[]> };
}

export interface LostLeasesOptions {
  items: number;
  /** Item lease (durq) and lock duration (BullMQ), ms. */
  leaseMs: number;
}
