import { join } from 'node:path';
import { measure, waitUntil, type BenchContext, type Workload } from '../harness/context.js';
import { maxOverlap, startChild, stopChild, type ChildMessage } from '../harness/child.js';
import { durqSetup } from '../harness/durq-setup.js';
import { formatResult, makeResult, type BenchResult, type System } from '../harness/result.js';
import type { Target } from '../harness/target.js';
import type { DurqChildArgs } from './durq-child.js';
import type { CapOptions } from './options.js';

/** Collects the children's start/end events and counts each item's completions. */
export class InFlightLog {
  readonly events: { t: number; d: 1 | -1 }[] = [];
  readonly counts: Uint8Array;
  ended = 0;
  /** The last count of commands each child reported, by its process ID. */
  private readonly sent = new Map<number, number>();
  constructor(items: number) {
    this.counts = new Uint8Array(items);
  }
  /** Commands the children sent so far. */
  commands = (): number => [...this.sent.values()].reduce((a, b) => a + b, 0);
  /** A handler for one child's messages. */
  from =
    (child: number) =>
    (m: ChildMessage): void => {
      if (m.type === 'end') this.sent.set(child, m.sent);
      this.onMessage(m);
    };
  onMessage = (m: ChildMessage): void => {
    if (m.type === 'start') this.events.push({ t: m.t, d: 1 });
    if (m.type === 'end') {
      this.events.push({ t: m.t, d: -1 });
      this.counts[m.i]!++;
      this.ended++;
    }
  };
}

/** The result of a cap run: throughput against the cap's ideal, and the most seen in flight. */
export function capResult(
  system: System,
  o: CapOptions,
  run: { wallMs: number; cost: Parameters<typeof makeResult>[1] },
  log: InFlightLog,
): BenchResult {
  const setting = `cap ${o.cap} over ${o.processes} processes, ${o.workMs} ms items`;
  const r = makeResult(
    { workload: 'concurrency-cap', system, setting, items: o.items, wallMs: run.wallMs },
    run.cost,
    log.counts,
  );
  r.extra.maxInFlight = maxOverlap(log.events);
  const ideal = (o.cap * 1000) / o.workMs;
  r.extra.capUtilisation = Math.round((r.itemsPerSec! / ideal) * 100) / 100;
  return r;
}

async function durqCap(target: Target, name: string, o: CapOptions): Promise<BenchResult> {
  const setup = await durqSetup(target, name);
  const log = new InFlightLog(o.items);
  const children = [];
  try {
    const args: DurqChildArgs = {
      address: target.address,
      shard: `${name}s0`,
      concurrency: o.cap,
      functionLimit: o.cap,
      leaseMs: 30_000,
      mode: 'work',
      workMs: o.workMs,
    };
    for (let p = 0; p < o.processes; p++)
      children.push(startChild(join(import.meta.dirname, 'durq-child.ts'), args, log.from(p)));
    await Promise.all(children.map((c) => c.ready));
    // Measured from the first enqueue, with every process already idle and waiting.
    const run = await measure(
      target,
      async () => {
        for (let i = 0; i < o.items; i += 1000) {
          const ids = Array.from({ length: Math.min(1000, o.items - i) }, (_, k) => String(i + k));
          await Promise.all(
            ids.map((id) =>
              setup.queue.enqueue({ id, kind: 'edge', accountId: 'a', functionId: 'capped' }),
            ),
          );
        }
        await waitUntil(() => log.ended >= o.items, 300_000);
      },
      log.commands,
    );
    return capResult('durq', o, run, log);
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    await setup.close();
  }
}

export const concurrencyCapWorkload: Workload = {
  name: 'concurrency-cap',
  about:
    'a global cap of 10 shared by 4 processes (durq: function limit 10; BullMQ: ' +
    'setGlobalConcurrency(10)); 5 ms items; the most observed in flight must be ≤ 10',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const o: CapOptions = { items: ctx.quick ? 1000 : 4000, cap: 10, processes: 4, workMs: 5 };
    const d = await durqCap(ctx.target, ctx.uniqueName('cap'), o);
    ctx.log(formatResult(d));
    const b = await (await ctx.bullmq()).concurrencyCap(ctx.target, ctx.uniqueName('cap'), o);
    ctx.log(formatResult(b));
    return [d, b];
  },
};

export type { CapOptions };
