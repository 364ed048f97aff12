import { performance } from 'node:perf_hooks';
import type { Queue } from '../../src/index.js';
import { measure, sideBySide, type BenchContext, type Workload } from '../harness/context.js';
import { durqSetup } from '../harness/durq-setup.js';
import { LatencyHistogram } from '../harness/histogram.js';
import { makeResult, type BenchResult } from '../harness/result.js';
import type { Target } from '../harness/target.js';
import type { EnqueueMode, EnqueueOptions } from './options.js';

export function enqueueSetting(o: EnqueueOptions): string {
  if (o.mode === 'single') return 'single, 1 in flight';
  return o.mode === 'concurrent'
    ? `concurrent, ${o.width} in flight`
    : `batched, ${o.width} per batch`;
}

/**
 * Runs `add(i)` for every index: one at a time, `width` at once (each finisher starts the next),
 * or in batches of `width`. Records each call's (or batch's, per item) latency.
 */
export async function drive(
  o: EnqueueOptions,
  add: (i: number) => Promise<unknown>,
  addBatch: (from: number, to: number) => Promise<unknown>,
  h: LatencyHistogram,
): Promise<void> {
  if (o.mode === 'batched') {
    for (let i = 0; i < o.items; i += o.width) {
      const t = performance.now();
      await addBatch(i, Math.min(o.items, i + o.width));
      h.recordMs(performance.now() - t);
    }
    return;
  }
  let next = 0;
  const lane = async () => {
    while (next < o.items) {
      const i = next++;
      const t = performance.now();
      await add(i);
      h.recordMs(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: o.width }, lane));
}

async function durqEnqueue(target: Target, name: string, o: EnqueueOptions): Promise<BenchResult> {
  const setup = await durqSetup(target, name);
  const input = (i: number) => ({
    id: String(i),
    kind: 'edge' as const,
    accountId: `acct${i % 10}`,
    functionId: `fn${i % 100}`,
  });
  const q: Queue = setup.queue;
  const h = new LatencyHistogram();
  try {
    const run = await measure(target, () =>
      drive(
        o,
        (i) => q.enqueue(input(i)),
        (from, to) =>
          Promise.all(Array.from({ length: to - from }, (_, k) => q.enqueue(input(from + k)))),
        h,
      ),
    );
    const base = { workload: 'enqueue', system: 'durq' as const, items: o.items };
    const r = makeResult(
      { ...base, setting: enqueueSetting(o), wallMs: run.wallMs },
      run.cost,
      null,
    );
    return { ...r, ...h.summary(), ...deliveryOf(o.items, await setup.countItems()) };
  } finally {
    await setup.close();
  }
}

/** Exact delivery of an enqueue run: the queue must hold exactly the items sent. */
export function deliveryOf(sent: number, held: number): { duplicates: number; lost: number } {
  return { duplicates: Math.max(0, held - sent), lost: Math.max(0, sent - held) };
}

export const enqueueWorkload: Workload = {
  name: 'enqueue',
  about:
    'enqueue no-op items: one at a time, 64 in flight, and in batches of 100 (BullMQ: add, ' +
    'add with 64 in flight, addBulk of 100); latency per call (per batch when batched)',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const scale = ctx.quick ? 1 : 5;
    const modes: EnqueueOptions[] = [
      { mode: 'single', items: 1000 * scale, width: 1 },
      { mode: 'concurrent', items: 10_000 * scale, width: 64 },
      { mode: 'batched', items: 10_000 * scale, width: 100 },
    ];
    const bull = await ctx.bullmq();
    const out: BenchResult[] = [];
    for (const o of modes) {
      out.push(
        ...(await sideBySide(
          ctx,
          'enqueues/s',
          () => durqEnqueue(ctx.target, ctx.uniqueName('enq'), o),
          () => bull.enqueue(ctx.target, ctx.uniqueName('enq'), o),
        )),
      );
    }
    return out;
  },
};

export type { EnqueueMode, EnqueueOptions };
