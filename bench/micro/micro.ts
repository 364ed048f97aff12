import { Bench, type Task } from 'tinybench';
import { QUEUE_SCRIPTS, type QueueScriptName } from '../../src/internal.js';
import { CASES, type MicroCase } from './cases.js';
import { closeEnv, makeTarget, openEnv, preload, type Env } from './fixture.js';
import type { ProbeTransport } from './probe.js';

export interface MicroResult {
  workload: 'micro';
  script: QueueScriptName;
  /** '1 partition' or '10k partitions'. */
  setting: string;
  /** What one call does (batch size, limit...). */
  detail: string;
  /** Client wall time of one call (EVALSHA round trip), mean, µs. */
  usPerCall: number;
  p99Us: number;
  /** Server time in the script per call (INFO commandstats), µs. */
  redisUsPerCall: number;
  /** Sequential calls per second on one connection: 1e6 / usPerCall. */
  opsPerSec: number;
  calls: number;
}

export interface MicroOptions {
  quick: boolean;
  log: (s: string) => void;
}

const PRELOAD = 10_000;
/** Every queue script, in the order of their specs. */
const SCRIPT_NAMES = Object.keys(QUEUE_SCRIPTS) as QueueScriptName[];

interface Setting {
  name: string;
  /** The shard a script's benchmark partition lives in. */
  shard(env: Env, script: QueueScriptName): string;
}

/** Each script's benchmark has a shard to itself, or shares the one preloaded with 10k. */
const SETTINGS: readonly Setting[] = [
  { name: '1 partition', shard: (env, script) => `${env.runId}-1p-${script}` },
  { name: '10k partitions', shard: (env) => `${env.runId}-10k` },
];

interface Entry {
  script: QueueScriptName;
  setting: string;
  detail: string;
  task: string;
  serverUs: () => number;
}

/**
 * µs per call of every Lua script, on a shard holding only the benchmark's partition and on one
 * holding 10,000 more. The two settings of a script run back to back, so that load on the
 * machine drifting over the run skews them alike. Keys live under shard names unique to this
 * call, dropped at the end.
 */
export async function runMicro(url: string, opts: MicroOptions): Promise<MicroResult[]> {
  const missing = SCRIPT_NAMES.filter((s) => !(s in CASES));
  if (missing.length > 0) throw new Error(`no micro-benchmark for ${missing.join(', ')}`);
  const env = await openEnv(url);
  try {
    const t0 = Date.now();
    await preload(env, `${env.runId}-10k`, PRELOAD);
    opts.log(`preloaded ${PRELOAD} partitions in ${Date.now() - t0} ms`);
    opts.log(`round-trip floor: PING ${(await pingUs(env, opts.quick)).toFixed(1)} µs/call`);
    const bench = new Bench({
      iterations: opts.quick ? 300 : 3000,
      time: 0,
      warmupIterations: opts.quick ? 30 : 200,
      warmupTime: 0,
      throws: true,
    });
    const entries: Entry[] = [];
    for (const script of SCRIPT_NAMES) {
      for (const setting of SETTINGS) {
        const target = await makeTarget(env, setting.shard(env, script), `bench-${script}`);
        const c = CASES[script](target);
        const task = `${script} [${setting.name}]`;
        const serverUs = addCase(bench, env.probe, task, script, c);
        entries.push({ script, setting: setting.name, detail: c.detail, task, serverUs });
      }
    }
    bench.addEventListener('cycle', (e) => {
      const r = e.task.result;
      if (r.state === 'completed')
        opts.log(`${e.task.name}: ${(r.latency.mean * 1000).toFixed(1)} µs/call`);
    });
    await bench.run();
    return entries.map((e) => toResult(e, bench.getTask(e.task)));
  } finally {
    await closeEnv(env);
  }
}

/** Adds the case as a task; returns a reader of its run phase's total server µs. */
function addCase(
  bench: Bench,
  probe: ProbeTransport,
  name: string,
  script: QueueScriptName,
  c: MicroCase,
): () => number {
  let serverUs = 0;
  bench.add(
    name,
    async () => {
      probe.arm(script);
      await c.call();
      const sample = probe.take();
      serverUs += sample.serverUs;
      return { overriddenDuration: sample.ms };
    },
    {
      beforeAll: async () => {
        serverUs = 0; // the warmup's calls do not count
        await c.beforeAll?.();
      },
      beforeEach: c.beforeEach,
      afterEach: c.afterEach,
      afterAll: c.afterAll,
    },
  );
  return () => serverUs;
}

function toResult(e: Entry, task: Task | undefined): MicroResult {
  const r = task?.result;
  if (!task || r?.state !== 'completed') throw new Error(`${e.task}: ${r?.state ?? 'missing'}`);
  const usPerCall = r.latency.mean * 1000;
  return {
    workload: 'micro',
    script: e.script,
    setting: e.setting,
    detail: e.detail,
    usPerCall: round(usPerCall),
    p99Us: round(r.latency.p99 * 1000),
    redisUsPerCall: round(e.serverUs() / task.runs),
    opsPerSec: Math.round(1e6 / usPerCall),
    calls: task.runs,
  };
}

/** The mean wall time of a PING on the scripts' connection: what any call costs at least, µs. */
async function pingUs(env: Env, quick: boolean): Promise<number> {
  const bench = new Bench({ iterations: quick ? 300 : 3000, time: 0, throws: true });
  bench.add('ping', async () => {
    await env.transport.client.ping();
  });
  const [task] = await bench.run();
  const r = task?.result;
  return r?.state === 'completed' ? r.latency.mean * 1000 : NaN;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
