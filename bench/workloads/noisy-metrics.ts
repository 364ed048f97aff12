import type { NoisyRun } from './noisy-model.js';

/** Max-min fair split of `capacity` between demands (water-filling). */
export function maxMinFair(demands: number[], capacity: number): number[] {
  const out = demands.map(() => 0);
  let left = capacity;
  let open = demands.map((d, i) => ({ d, i })).filter((x) => x.d > 0);
  while (open.length > 0 && left > 1e-9) {
    const share = left / open.length;
    const small = open.filter((x) => x.d - out[x.i]! <= share);
    if (small.length === 0) {
      for (const x of open) out[x.i]! += share;
      break;
    }
    for (const x of small) {
      left -= x.d - out[x.i]!;
      out[x.i] = x.d;
    }
    open = open.filter((x) => !small.includes(x));
  }
  return out;
}

/**
 * Contention share (after Trigger.dev's fairness spike): over the buckets in which two or more
 * tenants had work, what each small tenant was served divided by its max-min fair share of what
 * was served in those buckets. A tenant's demand in a bucket is its items waiting at the bucket's
 * start plus those that arrived in it. 1.0 is fair; a starved tenant scores 0.
 */
export function contentionShare(run: NoisyRun): { min: number; perTenant: Map<string, number> } {
  const { bucketMs } = run.o;
  const names = [...new Set(run.tenant)];
  const served = new Map(names.map((n) => [n, 0]));
  const entitled = new Map(names.map((n) => [n, 0]));
  const n = run.o.dump + run.sent;
  for (let s = run.dumpAt; s < run.dumpDoneAt; s += bucketMs) {
    const e = s + bucketMs;
    const demand = new Map(names.map((x) => [x, 0]));
    const got = new Map(names.map((x) => [x, 0]));
    for (let i = 0; i < n; i++) {
      const sent = run.sentAt[i]!;
      const start = run.startAt[i]!;
      if (!(sent < e) || start < s) continue; // not yet sent, or started before the bucket
      const t = run.tenant[i]!;
      demand.set(t, demand.get(t)! + 1);
      if (start < e) got.set(t, got.get(t)! + 1);
    }
    if ([...demand.values()].filter((d) => d > 0).length < 2) continue;
    const capacity = [...got.values()].reduce((a, b) => a + b, 0);
    const fair = maxMinFair(
      names.map((x) => demand.get(x)!),
      capacity,
    );
    names.forEach((x, k) => {
      served.set(x, served.get(x)! + got.get(x)!);
      entitled.set(x, entitled.get(x)! + fair[k]!);
    });
  }
  const perTenant = new Map<string, number>();
  for (const x of names)
    if (x !== 'A' && entitled.get(x)! > 0)
      perTenant.set(x, Math.min(1, served.get(x)! / entitled.get(x)!));
  const min = perTenant.size > 0 ? Math.min(...perTenant.values()) : 1;
  return { min: Math.round(min * 1000) / 1000, perTenant };
}

/** Items started per tenant per bucket over the whole run, for the fairness chart. */
export function startsOverTime(run: NoisyRun): Record<string, number[]> {
  const { bucketMs } = run.o;
  const out: Record<string, number[]> = {};
  const n = run.o.dump + run.sent;
  for (let i = 0; i < n; i++) {
    const start = run.startAt[i]!;
    if (Number.isNaN(start)) continue;
    const series = (out[run.tenant[i]!] ??= []);
    const b = Math.floor(start / bucketMs);
    while (series.length <= b) series.push(0);
    series[b]!++;
  }
  return out;
}
