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
import {
  auditRuns,
  checkPredictions,
  execQuiet,
  scheduleRunAudits,
} from './executor/exec-checks.js';
import { checkGates, checkRateLimits } from './executor/gate-checks.js';
import type { GatesAuditor } from './executor/gates-auditor.js';
import type { Terminal } from './executor/stories.js';
import { simExecShard, simShard, World } from './world.js';

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
  /** The executor's figures (null when the scenario has no runs). */
  runs: {
    stories: number;
    byState: Record<Terminal | 'open', number>;
    stepsCommitted: number;
    sdkRequests: number;
    stepBodies: number;
    eventsSent: number;
    /** The gates workload (gates-auditor.ts): its events and what the gates did. */
    gates: { events: number } & GatesAuditor['counts'];
  } | null;
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
  if (opts.runs > 0)
    await subscriber.subscribe(new ShardKeys(simExecShard(opts.seed)).wakeChannel());
  const world = new World(
    opts,
    generateWorkload(seededRandom(`${opts.seed}/workload`), opts),
    real,
    subscriber,
    START_MS,
    traceFd,
  );
  const { scheduler, auditor } = world;
  const samples: Sample[] = [];
  let byState: Record<Terminal | 'open', number> = {
    completed: 0,
    failed: 0,
    cancelled: 0,
    open: 0,
  };
  try {
    for (let i = 0; i < opts.processes; i++)
      scheduler.schedule(START_MS, `p${i}`, () => void world.startProcess(`p${i}`));
    scheduleProducer(world);
    world.exec?.scheduleProducer();
    scheduleProcessFaults(world);
    scheduleStateChecks(world, raw, keys, samples);
    if (world.exec)
      scheduleRunAudits(world.exec, raw, 5 * opts.checkEveryMs, (i, m) => auditor.fail(i, m));
    const stop = () => auditor.violations.length > 0;
    const safetyEnd = START_MS + opts.durationMs;
    for (let step = 1; step <= 10 && !stop(); step++) {
      await scheduler.runUntil(START_MS + Math.round((opts.durationMs * step) / 10), stop);
      onProgress?.(step / 12);
    }
    if (!stop()) await heal(world);
    const exec = world.exec;
    const done = () =>
      stop() ||
      (world.producerDone && !auditor.hasPendingItems() && (exec === null || execQuiet(exec)));
    if (!stop()) await scheduler.runUntil(safetyEnd + opts.livenessMs, done);
    onProgress?.(1);
    if (!stop()) await finalChecks(world, raw, keys);
    if (exec && !stop()) {
      const fail = (i: string, m: string) => auditor.fail(i, m);
      byState = checkPredictions(exec, await auditRuns(exec, raw, fail), fail);
      checkRateLimits(exec.gates, opts.maxSkewMs, fail);
      await checkGates(exec.gates, exec.gateStories, raw, exec.shard, fail);
    }
  } finally {
    subscriber.disconnect();
    await real.close();
  }
  return resultOf(world, samples, byState, Math.round(performance.now() - wallStart));
}

function resultOf(
  world: World,
  samples: Sample[],
  byState: Record<Terminal | 'open', number>,
  wallMs: number,
): SimResult {
  const { auditor, scheduler, exec, workload, opts } = world;
  const terminal = [...auditor.items.values()].map((i) => i.terminal);
  return {
    seed: opts.seed,
    traceHash: world.trace.digest(),
    virtualMs: scheduler.now - START_MS,
    wallMs,
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
    runs: exec && {
      stories: exec.stories.length,
      byState,
      stepsCommitted: exec.auditor.counts.stepsCommitted,
      sdkRequests: exec.counts.sdkRequests,
      stepBodies: exec.auditor.counts.bodies,
      eventsSent: exec.counts.eventsSent,
      gates: { events: exec.gateStories.length, ...exec.gates.counts },
    },
  };
}
