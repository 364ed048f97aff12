import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { seededRandom, ShardKeys } from '../src/internal.js';
import type { EnqueueMet, Violation } from './checks/auditor.js';
import { connectCorked } from './corked-transport.js';
import { finalChecks } from './final-checks.js';
import { heal } from './heal.js';
import type { SimOptions } from './options.js';
import { scheduleProcessFaults } from './process-faults.js';
import { scheduleProducer } from './producer.js';
import type { Sample } from './samples.js';
import { START_MS } from './start-time.js';
import { scheduleStateChecks } from './state-checks.js';
import { generateWorkload } from './workload.js';
import { simShard, World } from './world.js';

export { START_MS } from './start-time.js';
export type { Sample } from './samples.js';

export interface SimResult {
  seed: string;
  traceHash: string;
  virtualMs: number;
  wallMs: number;
  items: number;
  completed: number;
  failed: number;
  lost: number;
  duplicates: number;
  /** What the producer's enqueues met (retries and planned duplicates included). */
  enqueuesMet: Record<EnqueueMet, number>;
  violations: Violation[];
  faults: Record<string, number>;
  events: number;
  /** The trace lines that led to the first violation (empty when none). */
  traceTail: string[];
  samples: Sample[];
  limits: Record<string, number>;
}

/** One seeded run against the Redis at `url` (whose DB must hold nothing of ours). */
export async function runSimulation(
  opts: SimOptions,
  url: string,
  onProgress?: (fraction: number) => void,
  traceFd: number | null = null,
): Promise<SimResult> {
  const wallStart = performance.now();
  const real = await connectCorked(url);
  const raw = real.client as Redis;
  const subscriber = new Redis(url);
  const keys = new ShardKeys(simShard(opts.seed));
  await subscriber.subscribe(keys.wakeChannel());
  const workload = generateWorkload(seededRandom(`${opts.seed}/workload`), opts);
  const world = new World(opts, workload, real, subscriber, START_MS, traceFd);
  const { scheduler, auditor } = world;
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < opts.processes; i++)
      scheduler.schedule(START_MS, `p${i}`, () => void world.startProcess(`p${i}`));
    scheduleProducer(world);
    scheduleProcessFaults(world);
    scheduleStateChecks(world, raw, keys, samples);
    const stop = () => auditor.violations.length > 0;
    const safetyEnd = START_MS + opts.durationMs;
    for (let step = 1; step <= 10 && !stop(); step++) {
      await scheduler.runUntil(START_MS + Math.round((opts.durationMs * step) / 10), stop);
      onProgress?.(step / 12);
    }
    if (!stop()) await heal(world);
    const done = () => stop() || (world.producerDone && !auditor.hasPendingItems());
    if (!stop()) await scheduler.runUntil(safetyEnd + opts.livenessMs, done);
    onProgress?.(1);
    if (!stop()) await finalChecks(world, raw, keys);
  } finally {
    subscriber.disconnect();
    await real.close();
  }
  const terminal = [...auditor.items.values()].map((i) => i.terminal);
  return {
    seed: opts.seed,
    traceHash: world.trace.digest(),
    virtualMs: scheduler.now - START_MS,
    wallMs: Math.round(performance.now() - wallStart),
    items: auditor.items.size,
    completed: terminal.filter((t) => t === 'completed').length,
    failed: terminal.filter((t) => t === 'failed').length,
    lost: world.lost,
    duplicates: auditor.duplicates,
    enqueuesMet: { ...auditor.enqueuesMet },
    violations: auditor.violations,
    faults: world.faultCounts,
    events: scheduler.eventsRun,
    traceTail: auditor.violations.length ? world.trace.tail() : [],
    samples,
    limits: Object.fromEntries(
      workload.functions.map((f) => [`${f.accountId}/${f.functionId}`, f.concurrency]),
    ),
  };
}
