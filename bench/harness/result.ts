import type { ServerCost } from './server-stats.js';

/** 'http': a bare HTTP baseline, no queue at all (the steps workload). */
export type System = 'durq' | 'bullmq' | 'http';

/** One measured (workload, system, setting): the `--json` schema's result entry. */
export interface BenchResult {
  workload: string;
  system: System;
  setting: string;
  items: number;
  /** Items (or operations) per second of wall time; null when the workload measures no rate. */
  itemsPerSec: number | null;
  /** Redis process CPU per item, µs (INFO cpu, summed over masters). */
  redisUsPerItem: number;
  /** Time inside scripts per item, µs (INFO commandstats). */
  scriptUsPerItem: number;
  /**
   * Requests the clients sent per item (ioredis commands, pipelined ones one each): an upper
   * bound on round trips.
   */
  roundTripsPerItem: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  duplicates: number;
  lost: number;
  wallMs: number;
  /** Workload-specific figures (e.g. maxInFlight, contentionShare, recoveryMs). */
  extra: Record<string, number | string>;
}

/** Duplicates and losses from a per-item completion count. */
export function tally(counts: Uint8Array): { duplicates: number; lost: number } {
  let duplicates = 0;
  let lost = 0;
  for (const c of counts) {
    if (c === 0) lost++;
    if (c > 1) duplicates += c - 1;
  }
  return { duplicates, lost };
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Builds a result from the shared measurements; latency and extras are filled by the caller. */
export function makeResult(
  base: { workload: string; system: System; setting: string; items: number; wallMs: number },
  cost: ServerCost,
  counts: Uint8Array | null,
  rate = true,
): BenchResult {
  const { duplicates, lost } = counts ? tally(counts) : { duplicates: 0, lost: 0 };
  const n = Math.max(1, base.items);
  return {
    ...base,
    itemsPerSec: rate ? Math.round((base.items / base.wallMs) * 1000) : null,
    redisUsPerItem: round2(cost.cpuUs / n),
    scriptUsPerItem: round2(cost.scriptUs / n),
    roundTripsPerItem: round2(cost.commands / n),
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    duplicates,
    lost,
    wallMs: Math.round(base.wallMs),
    extra: {},
  };
}

/** One line of the human table. */
export function formatResult(r: BenchResult): string {
  const cell = (v: number | null, unit: string) => (v === null ? '' : `${v}${unit}`);
  const latency = r.p50Ms === null ? '' : `p50 ${r.p50Ms} p99 ${r.p99Ms} p99.9 ${r.p999Ms} ms  `;
  const extra = Object.entries(r.extra)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');
  return (
    `  ${r.system.padEnd(6)} ${r.setting.padEnd(40)} ${cell(r.itemsPerSec, '/s').padStart(9)}  ` +
    `redis ${r.redisUsPerItem} µs/item  ${r.roundTripsPerItem} cmds/item  ${latency}` +
    `dup ${r.duplicates} lost ${r.lost}  ${extra}`
  );
}

/** a / b to two decimals, or 'n/a'. */
export const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? 'n/a' : (a / b).toFixed(2);
