import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { measure, waitUntil, type BenchContext, type Workload } from '../harness/context.js';
import { startChild, stopChild, type BenchChild, type ChildMessage } from '../harness/child.js';
import { durqSetup } from '../harness/durq-setup.js';
import { formatResult, makeResult, type BenchResult, type System } from '../harness/result.js';
import type { Target } from '../harness/target.js';
import type { DurqChildArgs } from './durq-child.js';
import type { LostLeasesOptions } from './options.js';

/** Starts a hanging child and resolves once it holds every item. */
export async function childHoldingAll(
  file: string,
  args: unknown,
  items: number,
): Promise<BenchChild> {
  let held = 0;
  const child = startChild(file, args, (m: ChildMessage) => {
    if (m.type === 'start') held++;
  });
  await child.ready;
  if (!(await waitUntil(() => held >= items, 60_000)))
    throw new Error(`the child took only ${held} of ${items} items`);
  return child;
}

/**
 * SIGKILLs the child, then waits until the survivor has completed every item; returns the time
 * from the kill to the last completion and the cost of the recovery.
 */
export async function killAndRecover(
  target: Target,
  child: BenchChild,
  completed: () => number,
  items: number,
  timeoutMs: number,
) {
  return await measure(target, async () => {
    const killedAt = performance.now();
    await stopChild(child, 'SIGKILL');
    await waitUntil(() => completed() >= items, timeoutMs);
    return performance.now() - killedAt;
  });
}

export function lostLeasesResult(
  system: System,
  o: LostLeasesOptions,
  run: { value: number; wallMs: number; cost: Parameters<typeof makeResult>[1] },
  counts: Uint8Array,
  settingNote: string,
): BenchResult {
  const setting = `${o.items} held, lease ${o.leaseMs} ms${settingNote}`;
  const r = makeResult(
    { workload: 'lost-leases', system, setting, items: o.items, wallMs: run.wallMs },
    run.cost,
    counts,
    false,
  );
  r.extra.recoveryMs = Math.round(run.value);
  r.extra.targetMs = o.leaseMs + 2000;
  return r;
}

async function durqLostLeases(target: Target, name: string, o: LostLeasesOptions) {
  const setup = await durqSetup(target, name);
  const counts = new Uint8Array(o.items);
  let completed = 0;
  let child: BenchChild | undefined;
  try {
    await Promise.all(
      Array.from({ length: o.items }, (_, i) =>
        setup.queue.enqueue({ id: String(i), kind: 'edge', accountId: 'a', functionId: 'f' }),
      ),
    );
    const args: DurqChildArgs = {
      address: target.address,
      shard: `${name}s0`,
      concurrency: o.items,
      functionLimit: o.items,
      leaseMs: o.leaseMs,
      mode: 'hang',
      workMs: 0,
    };
    child = await childHoldingAll(join(import.meta.dirname, 'durq-child.ts'), args, o.items);
    await setup.processor({
      concurrency: o.items,
      leaseMs: o.leaseMs,
      limits: { function: () => o.items },
      handler: async (item) => {
        counts[Number(item.id)]!++;
        completed++;
      },
    });
    const run = await killAndRecover(target, child, () => completed, o.items, 120_000);
    return lostLeasesResult('durq', o, run, counts, ', scavenger every 1 s');
  } finally {
    if (child) await stopChild(child, 'SIGKILL');
    await setup.close();
  }
}

export const lostLeasesWorkload: Workload = {
  name: 'lost-leases',
  about:
    'SIGKILL a processor holding 500 in-flight items; time until a survivor has completed all ' +
    '(target: within the lease + 2 s)',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const o: LostLeasesOptions = { items: 500, leaseMs: 5000 };
    const d = await durqLostLeases(ctx.target, ctx.uniqueName('lost'), o);
    ctx.log(formatResult(d));
    const b = await (await ctx.bullmq()).lostLeases(ctx.target, ctx.uniqueName('lost'), o);
    ctx.log(formatResult(b));
    return [d, b];
  },
};

export type { LostLeasesOptions };
