import { performance } from 'node:perf_hooks';
import { seededRandom, type Random } from '../../src/index.js';
import { measure, sleep, waitUntil, type BenchContext, type Workload } from '../harness/context.js';
import { durqSetup } from '../harness/durq-setup.js';
import { LatencyHistogram } from '../harness/histogram.js';
import { formatResult, makeResult, type BenchResult, type System } from '../harness/result.js';
import type { Target } from '../harness/target.js';
import { durqDrain } from './drain.js';
import type { LatencyOptions, LatencyRun } from './options.js';

/** Seeded Poisson arrival times (ms from the start) at `rate` per second over `durationMs`. */
export function arrivals(o: LatencyOptions): Float64Array {
  const random: Random = seededRandom(o.seed);
  const times: number[] = [];
  for (let t = 0; ;) {
    t += (-Math.log(1 - random.next()) * 1000) / o.rate;
    if (t >= o.durationMs) break;
    times.push(t);
  }
  return Float64Array.from(times);
}

/**
 * Open loop: sends every arrival whose time has come, whatever is still running, and measures
 * enqueue→start from the arrival's intended time (so a stalled sender is not hidden).
 * Returns when every item has started or `graceMs` after the last arrival.
 */
export async function openLoop(
  times: Float64Array,
  t0: number,
  send: (i: number) => Promise<unknown>,
  started: () => number,
  graceMs: number,
): Promise<void> {
  let next = 0;
  const inFlight: Promise<unknown>[] = [];
  while (next < times.length) {
    const now = performance.now() - t0;
    while (next < times.length && times[next]! <= now) inFlight.push(send(next++));
    if (inFlight.length > 1000) await Promise.all(inFlight.splice(0));
    await sleep(1);
  }
  await Promise.all(inFlight);
  await waitUntil(() => started() >= times.length, graceMs);
}

async function durqLatency(target: Target, name: string, o: LatencyOptions): Promise<LatencyRun> {
  const setup = await durqSetup(target, name);
  const times = arrivals(o);
  const counts = new Uint8Array(times.length);
  const h = new LatencyHistogram();
  let t0 = 0;
  let started = 0;
  try {
    await setup.processor({
      concurrency: o.concurrency,
      handler: async (item) => {
        const i = Number(item.id);
        if (counts[i]!++ === 0) h.recordMs(performance.now() - t0 - times[i]!);
        started++;
      },
    });
    const run = await measure(target, async () => {
      const send = (i: number) =>
        setup.queue.enqueue({
          id: String(i),
          kind: 'edge',
          accountId: `a${i % 10}`,
          functionId: `f${i % 100}`,
        });
      t0 = performance.now();
      await openLoop(times, t0, send, () => started, 30_000);
    });
    return latencyRun('durq', o, times.length, run, counts, h);
  } finally {
    await setup.close();
  }
}

export function latencyRun(
  system: System,
  o: LatencyOptions,
  items: number,
  run: { wallMs: number; cost: Parameters<typeof makeResult>[1] },
  counts: Uint8Array,
  h: LatencyHistogram,
): LatencyRun {
  const setting = `${o.label} load, ${o.rate}/s Poisson`;
  const r = makeResult(
    { workload: 'latency', system, setting, items, wallMs: run.wallMs },
    run.cost,
    counts,
  );
  return { result: { ...r, ...h.summary() }, cdf: h.cdf() };
}

const LEVELS = [0.25, 0.5, 0.75, 0.9];

/** The drain capacity of each system: from the drain workload of this run, or measured now. */
async function capacityOf(ctx: BenchContext, system: System): Promise<number> {
  const known = ctx.capacity.get(system);
  if (known) return known;
  const o = { items: 20_000, concurrency: 100, functions: 100, accounts: 10, functionLimit: 50 };
  const name = ctx.uniqueName('cap');
  const r =
    system === 'durq'
      ? await durqDrain(ctx.target, name, o)
      : await (await ctx.bullmq()).drain(ctx.target, name, o);
  ctx.log(`  ${system} drain capacity (20,000 items, concurrency 100): ${r.itemsPerSec}/s`);
  ctx.capacity.set(system, r.itemsPerSec!);
  return r.itemsPerSec!;
}

export const latencyWorkload: Workload = {
  name: 'latency',
  about:
    "open-loop Poisson arrivals at 25/50/75/90% of each system's measured drain capacity " +
    '(concurrency 100); enqueue→start from the intended arrival time, HDR histograms',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const bull = await ctx.bullmq();
    const durationMs = ctx.quick ? 3000 : 10_000;
    const out: BenchResult[] = [];
    for (const system of ['durq', 'bullmq'] as const) {
      const capacity = await capacityOf(ctx, system);
      for (const level of LEVELS) {
        const o: LatencyOptions = {
          rate: Math.round(capacity * level),
          durationMs,
          concurrency: 100,
          label: `${level * 100}%`,
          seed: 42 + level * 100,
        };
        const name = ctx.uniqueName('lat');
        const run =
          system === 'durq'
            ? await durqLatency(ctx.target, name, o)
            : await bull.latency(ctx.target, name, o);
        ctx.log(formatResult(run.result));
        ctx.charts.latencyCdf.push({ label: `${system} ${o.label}`, points: run.cdf });
        out.push(run.result);
      }
    }
    // The loads above are relative to each system's own capacity; one more run compares them at
    // the same arrival rate: durq at half of BullMQ's capacity.
    const same: LatencyOptions = {
      rate: Math.round((await capacityOf(ctx, 'bullmq')) * 0.5),
      durationMs,
      concurrency: 100,
      label: "BullMQ's 50%",
      seed: 92,
    };
    const run = await durqLatency(ctx.target, ctx.uniqueName('lat'), same);
    ctx.log(formatResult(run.result));
    out.push(run.result);
    return out;
  },
};

export type { LatencyOptions, LatencyRun };
