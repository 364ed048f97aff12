import { join } from 'node:path';
import { measure, type BenchContext, type Workload } from '../harness/context.js';
import { startDumper } from '../harness/dumper.js';
import { durqSetup } from '../harness/durq-setup.js';
import { LatencyHistogram } from '../harness/histogram.js';
import {
  formatResult,
  makeResult,
  round2,
  type BenchResult,
  type System,
} from '../harness/result.js';
import type { Target } from '../harness/target.js';
import { contentionShare, startsOverTime } from './noisy-metrics.js';
import { NoisyRun, type NoisyOptions } from './noisy-model.js';
import type { NoisyOutcome } from './options.js';

export type { NoisyOptions };

/** Worst small tenant's p99 wait in [from, to), ms. */
function worstTenantP99(run: NoisyRun, from: number, to: number): number {
  const per = new Map<string, LatencyHistogram>();
  for (let i = run.o.dump; i < run.o.dump + run.sent; i++) {
    const s = run.sentAt[i]!;
    const start = run.startAt[i]!;
    if (s < from || s >= to || Number.isNaN(start)) continue;
    const t = run.tenant[i]!;
    if (!per.has(t)) per.set(t, new LatencyHistogram());
    per.get(t)!.recordMs(start - s);
  }
  return Math.max(0, ...[...per.values()].map((h) => h.atMs(99)));
}

export function noisyOutcome(
  system: System,
  setting: string,
  run: NoisyRun,
  measured: { wallMs: number; cost: Parameters<typeof makeResult>[1] },
): NoisyOutcome {
  const o = run.o;
  const items = o.dump + run.sent;
  const r = makeResult(
    { workload: 'noisy-neighbour', system, setting, items, wallMs: measured.wallMs },
    measured.cost,
    run.counts.subarray(0, items),
  );
  r.itemsPerSec = Math.round((o.dump / (run.dumpDoneAt - run.dumpAt)) * 1000);
  const loaded = run.smallWaits(run.dumpAt, run.dumpDoneAt);
  Object.assign(r, loaded.summary());
  const unloadedP99 = worstTenantP99(run, 0, run.dumpAt);
  const loadedP99 = worstTenantP99(run, run.dumpAt, run.dumpDoneAt);
  r.extra.unloadedP99Ms = unloadedP99;
  r.extra.loadedP99Ms = loadedP99;
  r.extra.p99Ratio = round2(loadedP99 / Math.max(0.01, unloadedP99));
  r.extra.contentionShare = contentionShare(run).min;
  return {
    result: r,
    fairness: {
      label: `${system}: ${setting}`,
      bucketMs: o.bucketMs,
      tenants: startsOverTime(run),
    },
  };
}

async function durqNoisy(target: Target, name: string, o: NoisyOptions): Promise<NoisyOutcome> {
  const setup = await durqSetup(target, name);
  const run = new NoisyRun(o);
  // Tenant A dumps from a producer process of its own, as a separate service would.
  const dumper = await startDumper(join(import.meta.dirname, 'durq-dumper.ts'), {
    address: target.address,
    shards: [`${name}s0`],
    dump: o.dump,
  });
  try {
    await setup.processor({
      concurrency: o.concurrency,
      handler: async (item) => run.started(Number(item.id)),
    });
    const input = (i: number, tenant: string) => ({
      id: String(i),
      kind: 'edge' as const,
      accountId: tenant,
      functionId: `fn-${tenant}`,
    });
    const measured = await measure(target, () =>
      run.drive((i, tenant) => setup.queue.enqueue(input(i, tenant)), dumper.dump),
    );
    return noisyOutcome('durq', 'accounts A–J, fair scan', run, measured);
  } finally {
    await dumper.stop();
    await setup.close();
  }
}

export const noisyNeighbourWorkload: Workload = {
  name: 'noisy-neighbour',
  about:
    'tenant A dumps 100,000 no-op items while nine tenants trickle 10/s each (concurrency 50); ' +
    "small tenants' p99 wait against their unloaded p99, and contention share",
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const o: NoisyOptions = {
      dump: ctx.quick ? 20_000 : 100_000,
      tenants: 9,
      ratePerTenant: 10,
      unloadedMs: ctx.quick ? 3000 : 5000,
      concurrency: 50,
      bucketMs: 100,
      seed: 7,
    };
    const outcomes = [await durqNoisy(ctx.target, ctx.uniqueName('noisy'), o)];
    ctx.log(formatResult(outcomes[0]!.result));
    const bull = await ctx.bullmq();
    for (const layout of ['one-queue', 'queue-per-tenant'] as const) {
      const b = await bull.noisyNeighbour(ctx.target, ctx.uniqueName('noisy'), o, layout);
      ctx.log(formatResult(b.result));
      outcomes.push(b);
    }
    for (const x of outcomes) ctx.charts.fairness.push(x.fairness);
    return outcomes.map((x) => x.result);
  },
};

export type { NoisyOutcome };
