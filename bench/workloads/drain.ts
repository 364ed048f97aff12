import type { EnqueueInput } from '../../src/index.js';
import {
  measure,
  sideBySide,
  waitUntil,
  type BenchContext,
  type Workload,
} from '../harness/context.js';
import { durqSetup } from '../harness/durq-setup.js';
import { makeResult, round2, type BenchResult } from '../harness/result.js';
import type { Target } from '../harness/target.js';
import type { DrainOptions } from './options.js';

/** Preloaded no-op items over functions and accounts, drained by one processor. */
export async function durqDrain(
  target: Target,
  name: string,
  o: DrainOptions,
  workload = 'drain',
): Promise<BenchResult> {
  const setup = await durqSetup(target, name, o.shards ?? 1);
  try {
    const inputs: EnqueueInput[] = Array.from({ length: o.items }, (_, i) => ({
      id: String(i),
      kind: 'edge',
      accountId: `acct${i % o.accounts}`,
      functionId: `fn${i % o.functions}`,
    }));
    const memBefore = sumMemory(await target.snapshot());
    for (let i = 0; i < inputs.length; i += 1000)
      await Promise.all(inputs.slice(i, i + 1000).map((x) => setup.queue.enqueue(x)));
    const memPerItem = (sumMemory(await target.snapshot()) - memBefore) / o.items;
    const counts = new Uint8Array(o.items);
    let done = 0;
    const run = await measure(target, async () => {
      await setup.processor({
        concurrency: o.concurrency,
        limits: { function: () => o.functionLimit, account: () => 1_000_000 },
        handler: async (item) => {
          counts[Number(item.id)]!++;
          done++;
        },
      });
      await waitUntil(() => done >= o.items, 600_000);
    });
    const setting =
      `concurrency ${o.concurrency}, fn limit ${o.functionLimit}` +
      (typeof o.shards === 'object' ? `, ${o.shards.length} shard(s)` : '');
    const r = makeResult(
      { workload, system: 'durq', setting, items: o.items, wallMs: run.wallMs },
      run.cost,
      counts,
    );
    r.extra.bytesPerQueuedItem = Math.round(memPerItem);
    r.extra.scriptCallsPerItem = round2(run.cost.scriptCalls / o.items);
    if (run.cost.cpuUsPerServer.length > 1)
      r.extra.busiestMasterUsPerItem = round2(Math.max(...run.cost.cpuUsPerServer) / o.items);
    return r;
  } finally {
    await setup.close();
  }
}

export function sumMemory(s: { memory: number }[]): number {
  return s.reduce((n, x) => n + x.memory, 0);
}

export const drainWorkload: Workload = {
  name: 'drain',
  about:
    '100,000 preloaded no-op items over 100 functions in 10 accounts (durq, function limit 50) ' +
    'vs one BullMQ queue, at several processor concurrencies',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const items = ctx.quick ? 20_000 : 100_000;
    const concurrencies = ctx.quick ? [10, 100] : [1, 10, 100];
    const bull = await ctx.bullmq();
    const out: BenchResult[] = [];
    for (const concurrency of concurrencies) {
      // Concurrency 1 drains slowly: a tenth of the items is enough for its rate.
      const n = concurrency === 1 ? items / 10 : items;
      const o = { items: n, concurrency, functions: 100, accounts: 10, functionLimit: 50 };
      const [d, b] = await sideBySide(
        ctx,
        'items/s',
        () => durqDrain(ctx.target, ctx.uniqueName('drain'), o),
        () => bull.drain(ctx.target, ctx.uniqueName('drain'), o),
      );
      for (const r of [d, b])
        ctx.charts.throughput.push({ system: r.system, concurrency, itemsPerSec: r.itemsPerSec! });
      ctx.capacity.set('durq', d.itemsPerSec!);
      ctx.capacity.set('bullmq', b.itemsPerSec!);
      out.push(d, b);
    }
    return out;
  },
};

export type { DrainOptions };
