import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Inngest } from 'inngest';
import { createEngine, type Engine, type Logger } from '../../src/index.js';
import { startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';
import { measure, medianOf, type BenchContext, type Workload } from '../harness/context.js';
import { CountingTransport } from '../harness/counting-transport.js';
import { formatResult, makeResult, ratio, round2, type BenchResult } from '../harness/result.js';
import type { ServerCost } from '../harness/server-stats.js';
import {
  formatGapSplit,
  formatServerSplit,
  splitGaps,
  totalServerUs,
  withSlowlog,
} from './steps-breakdown.js';
import {
  bareHttp,
  baselineRequests,
  httpResult,
  ratePerSec,
  type BareHttp,
  type BareRequest,
} from './steps-http.js';
import { Phase, StepTimeline } from './steps-timeline.js';

/** step.run steps per run; a run makes STEPS + 1 requests (the last one returns the result). */
const STEPS = 10;
const EVENT = 'bench/steps';
const APP_ID = 'benchsteps';
const FN_ID = `${APP_ID}-ten-steps`;
const NOOP_ID = `${APP_ID}-noop`;
const NOOP_EVENT = 'bench/noop';
/** What a run returns: the sum of its steps' results (0 + 1 + … + 9). */
const EXPECTED = (STEPS * (STEPS - 1)) / 2;
/** Runs at once in the concurrent setting; also the engine's concurrency (a slot per run). */
const WIDE = 200;
const RUN_TIMEOUT_MS = 30_000;
const BATCH_TIMEOUT_MS = 120_000;

/** Step bodies executed, per run and step: a step that runs twice is a duplicate. */
class Executions {
  private readonly hits = new Map<string, number>();

  hit(runId: string, i: number): void {
    const k = `${runId}/${i}`;
    this.hits.set(k, (this.hits.get(k) ?? 0) + 1);
  }

  /** Duplicates since the last call, and forget them. */
  take(): number {
    let dup = 0;
    for (const n of this.hits.values()) dup += n - 1;
    this.hits.clear();
    return dup;
  }
}

/** The SDK app: ten steps that return at once, and a function with no step (the baseline). */
function appFunctions(executions: Executions) {
  return (inngest: Inngest) => [
    inngest.createFunction(
      { id: 'ten-steps', triggers: [{ event: EVENT }] },
      async ({ step, runId }) => {
        let sum = 0;
        for (let i = 0; i < STEPS; i++)
          sum += await step.run(`step-${i}`, () => (executions.hit(runId, i), i));
        return sum;
      },
    ),
    inngest.createFunction({ id: 'noop', triggers: [{ event: NOOP_EVENT }] }, async () => 'ok'),
  ];
}

/** The engine (on a counting transport), the app, and the listener that times the steps. */
interface Rig {
  engine: Engine;
  app: SdkApp;
  transport: CountingTransport;
  timeline: StepTimeline;
  executions: Executions;
  /** Warnings and errors the engine logged, by message. */
  warnings: Map<string, number>;
  close(): Promise<void>;
}

async function startRig(ctx: BenchContext): Promise<Rig> {
  const transport = new CountingTransport(await ctx.target.connect());
  const shard = ctx.uniqueName('steps');
  const timeline = new StepTimeline();
  const executions = new Executions();
  const warnings = new Map<string, number>();
  const log: Logger = (level, message) => {
    if (level !== 'warn' && level !== 'error') return;
    const key = `${level}: ${message.replace(/[0-9A-HJKMNP-TV-Z]{26}/g, '<id>')}`;
    warnings.set(key, (warnings.get(key) ?? 0) + 1);
  };
  const engine = await createEngine({
    redis: transport,
    shardName: shard,
    concurrency: WIDE,
    listeners: [timeline],
    log,
  });
  const app = await startSdkApp({ appId: APP_ID, functions: appFunctions(executions) });
  await engine.registerApp(app.url);
  return {
    engine,
    app,
    transport,
    timeline,
    executions,
    warnings,
    close: async () => {
      await engine.close();
      await app.stop();
      await transport.close();
      await ctx.target.removeKeys(`{${shard}}*`);
    },
  };
}

/** Runs `n` runs one after another; resolves to the runs that did not end in time. */
async function oneAtATime(rig: Rig, phase: Phase, n: number): Promise<number> {
  rig.timeline.phase = phase;
  try {
    for (let i = 0; i < n; i++) {
      phase.sentAt = performance.now();
      await rig.engine.send({ name: EVENT, data: { i } });
      if (!(await phase.whenEnded(i + 1, RUN_TIMEOUT_MS))) return n - phase.ended;
    }
    return 0;
  } finally {
    rig.timeline.phase = null;
  }
}

/** Sends `n` events at once (n sends); resolves to the runs that did not end in time. */
async function allAtOnce(rig: Rig, phase: Phase, n: number): Promise<number> {
  rig.timeline.phase = phase;
  try {
    phase.sentAt = performance.now();
    // One send() per event, all at once, as n producers would: a send() of many events routes
    // them one after another (three round trips each), so most runs would start late.
    await Promise.all(
      Array.from({ length: n }, (_, i) => rig.engine.send({ name: EVENT, data: { i } })),
    );
    phase.sendMs = performance.now() - phase.sentAt;
    await phase.whenEnded(n, BATCH_TIMEOUT_MS);
    return n - phase.ended;
  } finally {
    rig.timeline.phase = null;
  }
}

/** The fields every durq result of this workload shares. */
function durqResult(
  rig: Rig,
  setting: string,
  phase: Phase,
  run: { wallMs: number; cost: ServerCost },
  calls: [string, number][],
  lost: number,
): BenchResult {
  const n = Math.max(1, phase.requests);
  const r = makeResult(
    { workload: 'steps', system: 'durq', setting, items: phase.requests, wallMs: run.wallMs },
    run.cost,
    null,
  );
  Object.assign(r, phase.gap.summary());
  r.duplicates = rig.executions.take();
  r.lost = lost + phase.wrong;
  r.extra.requestsPerRun = round2(phase.requests / Math.max(1, phase.ended));
  r.extra.stepRunsPerSec = Math.round(((phase.ended * STEPS) / run.wallMs) * 1000);
  r.extra.cycleP50Ms = phase.cycle.atMs(50);
  r.extra.cycleP99Ms = phase.cycle.atMs(99);
  r.extra.requestP50Ms = phase.request.atMs(50);
  r.extra.requestP99Ms = phase.request.atMs(99);
  r.extra.callsPerStep = calls.map(([k, v]) => `${k} ${round2(v / n)}`).join(', ');
  // Other processes on the machine skew every figure here: say how busy it was.
  r.extra.loadAvg1m = round2(loadavg()[0]!);
  if (phase.retries > 0) r.extra.retriedRequests = phase.retries;
  if (phase.errors > 0) r.extra.errorResponses = phase.errors;
  return r;
}

/** The baselines: the no-step function, and a run's own requests replayed. */
interface Baselines {
  noop: BareHttp;
  replay: BareHttp;
}

/** The single-run setting: `runs` runs in sequence, every Redis call traced. */
async function singleRuns(ctx: BenchContext, rig: Rig, runs: number, base: Baselines) {
  const phase = new Phase(EXPECTED, true);
  const before = rig.transport.snapshot();
  rig.transport.trace = [];
  const run = await measure(ctx.target, () => oneAtATime(rig, phase, runs));
  const trace = rig.transport.trace;
  rig.transport.trace = null;
  const setting = `1 run at a time, ${runs} runs in sequence`;
  const calls = rig.transport.callsSince(before);
  const r = durqResult(rig, setting, phase, run, calls, run.value);
  r.extra.noopHttpP50Ms = base.noop.h.atMs(50);
  r.extra.replayHttpP50Ms = base.replay.h.atMs(50);
  r.extra.stepVsNoopHttp = `${ratio(phase.cycle.atMs(50), base.noop.h.atMs(50))}x`;
  r.extra.stepVsReplayHttp = `${ratio(phase.cycle.atMs(50), base.replay.h.atMs(50))}x`;
  r.extra.startP50Ms = phase.startup.atMs(50);
  r.extra.finishP50Ms = phase.teardown.atMs(50);
  r.extra.gapSplit = formatGapSplit(splitGaps(phase.gaps ?? [], trace));
  return r;
}

/** The same runs again with SLOWLOG on: the server's µs per kind of call (an owned server only). */
async function serverSplit(ctx: BenchContext, rig: Rig, runs: number): Promise<string | null> {
  if (!ctx.target.owned || ctx.target.kind !== 'server') return null;
  const admin = ctx.target.client() as Redis;
  try {
    const phase = new Phase(EXPECTED);
    const { split } = await withSlowlog(admin, rig.transport.names, () =>
      oneAtATime(rig, phase, runs),
    );
    rig.executions.take();
    const us = round2(totalServerUs(split) / Math.max(1, phase.requests));
    return `${formatServerSplit(split, phase.requests)} (${us} µs per step in all)`;
  } finally {
    admin.disconnect();
  }
}

/** The concurrent setting: WIDE runs sent at once. */
async function wideRuns(ctx: BenchContext, rig: Rig, base: Baselines): Promise<BenchResult> {
  const phase = new Phase(EXPECTED);
  const before = rig.transport.snapshot();
  const run = await measure(ctx.target, () => allAtOnce(rig, phase, WIDE));
  rig.app.requests.length = 0;
  const setting = `${WIDE} runs at once (engine concurrency ${WIDE})`;
  const r = durqResult(rig, setting, phase, run, rig.transport.callsSince(before), run.value);
  r.extra.startP50Ms = phase.startup.atMs(50);
  r.extra.startP99Ms = phase.startup.atMs(99);
  r.extra.sendMs = Math.round(phase.sendMs);
  // When the first and the last run ended: under load every run is slowed alike by the app's
  // queue, and a younger run's ready step waits behind older runs' (their steps score first).
  r.extra.runEndedMs = `${phase.runTime.atMs(0)}..${phase.runTime.atMs(100)}`;
  r.extra.vsNoopHttpRate = `${ratio(r.itemsPerSec, ratePerSec(base.noop))}x`;
  r.extra.vsReplayHttpRate = `${ratio(r.itemsPerSec, ratePerSec(base.replay))}x`;
  return r;
}

function logSummary(
  ctx: BenchContext,
  single: BenchResult,
  wide: BenchResult,
  one: Baselines,
  many: Baselines,
  servers: string | null,
): void {
  const e = single.extra;
  ctx.log(
    `    one run: step-to-step overhead p50 ${single.p50Ms} ms, p99 ${single.p99Ms} ms; a step ` +
      `(request to next request) ${e.cycleP50Ms} ms p50, against bare HTTP p50 ` +
      `${one.noop.h.atMs(50)} ms to the no-step function (${e.stepVsNoopHttp}) and ` +
      `${one.replay.h.atMs(50)} ms for the run's own requests replayed (${e.stepVsReplayHttp})`,
  );
  ctx.log(`    one run, a gap's time: ${e.gapSplit}`);
  ctx.log(
    `    one run, Redis calls per step: ${e.callsPerStep} (${single.roundTripsPerItem} in all); ` +
      `per step ${single.scriptUsPerItem} µs inside scripts, ${single.redisUsPerItem} µs Redis CPU`,
  );
  if (servers) ctx.log(`    one run, server µs per call (SLOWLOG): ${servers}`);
  ctx.log(
    `    ${WIDE} runs: ${wide.itemsPerSec} steps/s against bare HTTP at ${WIDE} in flight: ` +
      `${ratePerSec(many.noop)}/s no-step (${wide.extra.vsNoopHttpRate}), ` +
      `${ratePerSec(many.replay)}/s replayed (${wide.extra.vsReplayHttpRate}); overhead p50 ` +
      `${wide.p50Ms} ms, p99 ${wide.p99Ms} ms; Redis calls per step: ${wide.extra.callsPerStep}` +
      ` (${wide.roundTripsPerItem} in all); per step ${wide.scriptUsPerItem} µs inside scripts, ` +
      `${wide.redisUsPerItem} µs Redis CPU; runs ended ${wide.extra.runEndedMs} ms after the sends`,
  );
}

/** Both baselines, `inFlight` at once. */
async function baselines(
  ctx: BenchContext,
  requests: { run: BareRequest[]; noop: BareRequest },
  o: { n: number; inFlight: number },
): Promise<Baselines> {
  const warm = Math.max(200, o.inFlight);
  const noop = await bareHttp('bare POST to the no-step function', [requests.noop], {
    ...o,
    warm,
  });
  ctx.log(formatResult(httpResult('steps', noop)));
  const replay = await bareHttp("bare POSTs of a durq run's 11 requests, replayed", requests.run, {
    ...o,
    warm,
  });
  ctx.log(formatResult(httpResult('steps', replay)));
  return { noop, replay };
}

export const stepsWorkload: Workload = {
  name: 'steps',
  about:
    `runs of ${STEPS} step.run steps (each returns at once) against a real inngest SDK app in ` +
    `this process (dev mode, loopback): one run at a time, and ${WIDE} runs at once; ` +
    'step-to-step overhead = durq receiving a response to durq sending the next request of ' +
    'the run (lifecycle listener, HDR); baselines: bare HTTP to the same app, same client',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const sizes = ctx.quick
      ? { single: 20, slowlog: 5, http: 500 }
      : { single: 50, slowlog: 10, http: 2000 };
    const rig = await startRig(ctx);
    ctx.log(
      `  load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (1, 5, 15 min)`,
    );
    try {
      // Warm up (connections, script loads, JIT); the app then holds durq's requests to replay.
      await oneAtATime(rig, new Phase(EXPECTED), 5);
      rig.executions.take();
      const requests = baselineRequests(rig.app, {
        fnId: FN_ID,
        perRun: STEPS + 1,
        noopFnId: NOOP_ID,
        noopEvent: NOOP_EVENT,
      });
      const one = await baselines(ctx, requests, { n: sizes.http, inFlight: 1 });
      rig.executions.take(); // the replays ran steps again: not durq's doing
      rig.app.requests.length = 0;
      const single = await singleRuns(ctx, rig, sizes.single, one);
      ctx.log(formatResult(single));
      const servers = await serverSplit(ctx, rig, sizes.slowlog);
      if (servers) single.extra.serverUsPerCall = servers;
      const many = await baselines(ctx, requests, { n: WIDE * (STEPS + 1), inFlight: WIDE });
      rig.executions.take();
      rig.app.requests.length = 0;
      const wide = await medianOf(ctx.runs, () => wideRuns(ctx, rig, many));
      ctx.log(formatResult(wide));
      logSummary(ctx, single, wide, one, many, servers);
      for (const [message, n] of rig.warnings) ctx.log(`    engine logged ${n}× ${message}`);
      return [
        httpResult('steps', one.noop),
        httpResult('steps', one.replay),
        single,
        httpResult('steps', many.noop),
        httpResult('steps', many.replay),
        wide,
      ];
    } finally {
      await rig.close();
    }
  },
};
