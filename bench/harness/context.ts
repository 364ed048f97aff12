import { performance } from 'node:perf_hooks';
import { formatResult, ratio, type BenchResult, type System } from './result.js';
import { commandsSent } from './round-trips.js';
import { costBetween, type ServerCost } from './server-stats.js';
import type { Target } from './target.js';
import type { BullPeer } from './peer.js';

/** Data for the report's charts, filled by the workloads. */
export interface ChartData {
  /** Drain items/s against processor concurrency, per system. */
  throughput: { system: System; concurrency: number; itemsPerSec: number }[];
  /** Latency CDFs: one series per (system, load). */
  latencyCdf: { label: string; points: [number, number][] }[];
  /** Items started per tenant per time bucket, per system. */
  fairness: { label: string; bucketMs: number; tenants: Record<string, number[]> }[];
}

/** What every workload gets: the target, the size, a log, the peer, and shared findings. */
export interface BenchContext {
  readonly target: Target;
  readonly quick: boolean;
  /** Measured runs per throughput setting (after one warm-up when > 1); the median is reported. */
  readonly runs: number;
  /** Seconds of load per measured case of a timed workload (--duration); null: its default. */
  readonly durationS: number | null;
  log(line: string): void;
  /** BullMQ's side of each workload, installed on first use. */
  bullmq(): Promise<BullPeer>;
  /** Drain capacity (items/s) measured in this run, for the latency workload's load levels. */
  readonly capacity: Map<System, number>;
  readonly charts: ChartData;
  /** A name no other run in this process has used (queue, shard and key prefixes). */
  uniqueName(prefix: string): string;
}

export interface Workload {
  readonly name: string;
  readonly about: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/**
 * Runs `work` and returns its wall time and the servers' cost over it. Round trips are the
 * commands this process's ioredis clients sent meanwhile (the servers' counters also count the
 * commands scripts run); `extraCommands` adds those of child processes.
 */
export async function measure<T>(
  target: Target,
  work: () => Promise<T>,
  extraCommands: () => number = () => 0,
): Promise<{ value: T; wallMs: number; cost: ServerCost }> {
  const before = await target.snapshot();
  const sent0 = commandsSent();
  const t0 = performance.now();
  const value = await work();
  const wallMs = performance.now() - t0;
  const sent = commandsSent() - sent0 + extraCommands();
  const cost = { ...costBetween(before, await target.snapshot()), commands: sent };
  return { value, wallMs, cost };
}

/** Polls until `done()` or the timeout; returns whether it finished. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Repeats a measured run: one warm-up (discarded) when runs > 1, then `runs` runs; returns the
 * run with the median items/s, with the min..max spread in its extras.
 */
export async function medianOf(
  runs: number,
  once: () => Promise<BenchResult>,
): Promise<BenchResult> {
  if (runs > 1) await once();
  const all: BenchResult[] = [];
  for (let i = 0; i < runs; i++) all.push(await once());
  all.sort((a, b) => (a.itemsPerSec ?? 0) - (b.itemsPerSec ?? 0));
  const median = all[Math.floor((all.length - 1) / 2)]!;
  // Delivery is checked on every run: report the sums, not the median run's.
  median.duplicates = all.reduce((n, r) => n + r.duplicates, 0);
  median.lost = all.reduce((n, r) => n + r.lost, 0);
  if (runs > 1) {
    median.extra.runs = runs;
    median.extra.range = `${all[0]!.itemsPerSec}..${all.at(-1)!.itemsPerSec}/s`;
  }
  return median;
}

/**
 * One setting side by side: durq, then BullMQ (each the median of ctx.runs), both logged with
 * their ratio of items/s (`unit`) and of Redis µs per item.
 */
export async function sideBySide(
  ctx: BenchContext,
  unit: string,
  durq: () => Promise<BenchResult>,
  bullmq: () => Promise<BenchResult>,
): Promise<[BenchResult, BenchResult]> {
  const d = await medianOf(ctx.runs, durq);
  ctx.log(formatResult(d));
  const b = await medianOf(ctx.runs, bullmq);
  ctx.log(formatResult(b));
  ctx.log(
    `    durq/BullMQ: ${ratio(d.itemsPerSec, b.itemsPerSec)}x ${unit}, ` +
      `${ratio(d.redisUsPerItem, b.redisUsPerItem)}x Redis µs/item`,
  );
  return [d, b];
}
