import type { BenchResult } from './result.js';

/** One of the issue's targets, checked against this run's results. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const find = (rs: BenchResult[], workload: string, system: string, setting: RegExp) =>
  rs.find((r) => r.workload === workload && r.system === system && setting.test(r.setting));

function check(
  target: string,
  value: number | undefined,
  ok: (v: number) => boolean,
  fmt: (v: number) => string,
): TargetCheck {
  if (value === undefined || Number.isNaN(value))
    return { target, measured: 'not measured in this run', met: null };
  return { target, measured: fmt(value), met: ok(value) };
}

/** The targets of the benchmark issue, as far as this run measured them. */
export function checkTargets(rs: BenchResult[]): TargetCheck[] {
  const d = find(rs, 'drain', 'durq', /^concurrency 100,/);
  const b = find(rs, 'drain', 'bullmq', /^concurrency 100,/);
  const lat = find(rs, 'latency', 'durq', /^50% /);
  const lost = find(rs, 'lost-leases', 'durq', /./);
  const noisy = find(rs, 'noisy-neighbour', 'durq', /./);
  const x = (v: number) => `${v.toFixed(2)}x`;
  return [
    check(
      'drain c=100: durq ≥ 1.5× BullMQ items/s',
      d && b ? d.itemsPerSec! / b.itemsPerSec! : undefined,
      (v) => v >= 1.5,
      x,
    ),
    check(
      'drain c=100: Redis ≤ 12 µs per item',
      d?.redisUsPerItem,
      (v) => v <= 12,
      (v) => `${v} µs`,
    ),
    check(
      'drain c=100: ≤ 1 round trip per item',
      d?.roundTripsPerItem,
      (v) => v <= 1,
      (v) => `${v}`,
    ),
    check(
      'latency at 50% load: p50 ≤ 5 ms',
      lat?.p50Ms ?? undefined,
      (v) => v <= 5,
      (v) => `${v} ms`,
    ),
    check(
      'latency at 50% load: p99 ≤ 25 ms',
      lat?.p99Ms ?? undefined,
      (v) => v <= 25,
      (v) => `${v} ms`,
    ),
    check(
      'lost leases: all complete within lease + 2 s',
      lost ? Number(lost.extra.recoveryMs) - Number(lost.extra.targetMs) : undefined,
      (v) => v <= 0,
      () => `${Number(lost!.extra.recoveryMs)} ms (limit ${Number(lost!.extra.targetMs)} ms)`,
    ),
    check(
      "noisy neighbour: small tenants' p99 ≤ 2× unloaded",
      noisy ? Number(noisy.extra.p99Ratio) : undefined,
      (v) => v <= 2,
      x,
    ),
    check(
      'noisy neighbour: contention share ≥ 0.95',
      noisy ? Number(noisy.extra.contentionShare) : undefined,
      (v) => v >= 0.95,
      (v) => v.toFixed(3),
    ),
    ...stepsTargets(rs),
    ingestTarget(rs),
  ];
}

/** Issue 13: ≥ 5,000 single events/s accepted by durq serve's POST /e, with p99 ≤ 20 ms. */
function ingestTarget(rs: BenchResult[]): TargetCheck {
  const target = 'ingest: ≥ 5,000 single events/s accepted with p99 ≤ 20 ms';
  // durq serve as users start it (role all): not the role-api row.
  const single = find(rs, 'ingest', 'durq', /^single events, \d+ connections$/);
  if (!single || single.itemsPerSec === null || single.p99Ms === null)
    return { target, measured: 'not measured in this run', met: null };
  const errors = Number(single.extra.errors ?? 0) + Number(single.extra.non2xx ?? 0);
  return {
    target,
    measured:
      `${single.itemsPerSec}/s, p99 ${single.p99Ms} ms (${single.extra.connections} ` +
      `connections${errors > 0 ? `, ${errors} errors` : ''})`,
    met: single.itemsPerSec >= 5000 && single.p99Ms <= 20 && errors === 0,
  };
}

/** The steps workload's targets: the single run's overhead, and round trips per step. */
function stepsTargets(rs: BenchResult[]): TargetCheck[] {
  const one = find(rs, 'steps', 'durq', /^1 run at a time/);
  const wide = find(rs, 'steps', 'durq', /runs at once/);
  return [
    check(
      'steps, one run: step-to-step overhead p50 ≤ 3 ms',
      one?.p50Ms ?? undefined,
      (v) => v <= 3,
      (v) => `${v} ms`,
    ),
    check(
      'steps, one run: step-to-step overhead p99 ≤ 15 ms',
      one?.p99Ms ?? undefined,
      (v) => v <= 15,
      (v) => `${v} ms`,
    ),
    check(
      'steps, one run: ≤ 4 Redis round trips per step',
      one?.roundTripsPerItem,
      (v) => v <= 4,
      (v) => `${v}`,
    ),
    check(
      'steps, 200 runs at once: ≤ 4 Redis round trips per step',
      wide?.roundTripsPerItem,
      (v) => v <= 4,
      (v) => `${v}`,
    ),
  ];
}
