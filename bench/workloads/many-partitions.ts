import { measure, waitUntil, type BenchContext, type Workload } from '../harness/context.js';
import { durqSetup } from '../harness/durq-setup.js';
import { formatResult, makeResult, round2, type BenchResult } from '../harness/result.js';
import type { Target } from '../harness/target.js';

interface ManyOptions {
  /** Functions with one item each. */
  cold: number;
  /** Items of the one hot function. */
  hot: number;
  concurrency: number;
}

/** Cold items are ids 0..cold-1 (function c<i>), hot ones follow (function "hot"). */
async function durqMany(target: Target, name: string, o: ManyOptions): Promise<BenchResult> {
  const setup = await durqSetup(target, name);
  const n = o.cold + o.hot;
  const counts = new Uint8Array(n);
  let done = 0;
  let coldDone = 0;
  let coldDoneMs = 0;
  let t0 = 0;
  try {
    for (let i = 0; i < n; i += 1000) {
      const ids = Array.from({ length: Math.min(1000, n - i) }, (_, k) => i + k);
      await Promise.all(
        ids.map((k) =>
          setup.queue.enqueue({
            id: String(k),
            kind: 'edge',
            accountId: `acct${k % 10}`,
            functionId: k < o.cold ? `c${k}` : 'hot',
          }),
        ),
      );
    }
    const run = await measure(target, async () => {
      t0 = performance.now();
      await setup.processor({
        concurrency: o.concurrency,
        limits: { function: () => 1000, account: () => 1_000_000 },
        handler: async (item) => {
          const i = Number(item.id);
          counts[i]!++;
          done++;
          if (i < o.cold && ++coldDone === o.cold) coldDoneMs = performance.now() - t0;
        },
      });
      await waitUntil(() => done >= n, 600_000);
    });
    const setting = `${o.cold} functions × 1 item + 1 hot function × ${o.hot}`;
    const r = makeResult(
      { workload: 'many-partitions', system: 'durq', setting, items: n, wallMs: run.wallMs },
      run.cost,
      counts,
    );
    r.extra.coldDoneMs = Math.round(coldDoneMs);
    r.extra.scriptCallsPerItem = round2(run.cost.scriptCalls / n);
    return r;
  } finally {
    await setup.close();
  }
}

export const manyPartitionsWorkload: Workload = {
  name: 'many-partitions',
  about:
    '10,000 functions with one item each plus one hot function with 10,000, drained at ' +
    'concurrency 100. BullMQ: no equivalent (10,000 queues need 10,000 Workers, each with its ' +
    'own blocking connection), so durq only',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = ctx.quick ? 2000 : 10_000;
    const r = await durqMany(ctx.target, ctx.uniqueName('many'), {
      cold: size,
      hot: size,
      concurrency: 100,
    });
    ctx.log(formatResult(r));
    ctx.log('  bullmq: not run (no equivalent: one Worker and connection per queue)');
    return [r];
  },
};
