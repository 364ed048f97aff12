/**
 * The ingest workload (issue 13): events/s accepted by `durq serve`'s `POST /e/<key>` under
 * autocannon, single events and batches of 100, each event starting one run of a real inngest
 * SDK app's function; the same load against a bare fastify server as the baseline.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { startSdkAppProcess, type SdkAppProcess } from '../../testkit/sdk-app-process.js';
import { freePort } from '../../testkit/redis-server.js';
import { startChild, stopChild, type BenchChild } from '../harness/child.js';
import type { BenchContext, Workload } from '../harness/context.js';
import { formatResult, ratio, round2, type BenchResult } from '../harness/result.js';
import { snapshot } from '../harness/server-stats.js';
import { formatServerSplit, withSlowlog } from './steps-breakdown.js';
import { appId } from './ingest-app.js';
import { drive, formatLoad, type Load, type LoadCase } from './ingest-load.js';
import {
  countStored,
  redisPerEvent,
  restSample,
  runsEnded,
  runsScheduled,
  scrapeMetrics,
  scriptNames,
  waitDrained,
  type RedisPerEvent,
} from './ingest-probe.js';
import { CLI_BUILT, ensureBuilt, startServe, type DurqServe } from './ingest-serve.js';
import { CpuMeter, formatCpu } from './ingest-cpu.js';

export const INGEST_CASES: readonly LoadCase[] = [
  { key: 'single', label: 'single events', perRequest: 1, connections: 10 },
  { key: 'batch', label: 'batches of 100 events', perRequest: 100, connections: 10 },
];
/** Events sent with SLOWLOG on, to split Redis calls per event by script. */
const PROBE_REQUESTS = { single: 300, batch: 3 };
const BARE_CHILD = new URL('./ingest-bare.ts', import.meta.url).pathname;
const APP_MODULE = new URL('./ingest-app.ts', import.meta.url).pathname;

/** Everything the workload started, stopped in reverse on the way out (signals included). */
class Teardown {
  private readonly steps: { name: string; stop: () => Promise<unknown>; kill: () => void }[] = [];
  readonly abort = new AbortController();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ningest: ${signal}: stopping durq serve, its Redis and the SDK app\n`);
    this.abort.abort(new Error(`interrupted by ${signal}`));
  };
  private readonly onExit = () => this.steps.forEach((s) => s.kill());

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', this.onExit);
  }

  add(name: string, stop: () => Promise<unknown>, kill: () => void): void {
    this.steps.push({ name, stop, kill });
  }

  /** Stops everything; resolves to what happened to each, e.g. "durq serve: exit code 0". */
  async run(): Promise<string[]> {
    const out: string[] = [];
    for (const s of this.steps.reverse()) {
      try {
        const how = await s.stop();
        out.push(`${s.name}: ${typeof how === 'string' ? how : 'stopped'}`);
      } catch (err) {
        s.kill();
        out.push(`${s.name}: stop failed (${(err as Error).message}), killed`);
      }
    }
    this.steps.length = 0;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
    return out;
  }
}

/**
 * Lets this process (and the children it starts) use every core for the workload: the bench
 * pins itself to core 1 when it starts its Redis, and here durq, its Redis, the SDK app and
 * autocannon share the machine as a user's would. Resolves to a function that restores the pin.
 */
function unpinSelf(): () => void {
  const all = `0-${cpus().length - 1}`;
  try {
    const out = execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' });
    const was = /: (\S+)\s*$/.exec(out)?.[1];
    if (!was || was === all) return () => {};
    execFileSync('taskset', ['-apc', all, String(process.pid)], { stdio: 'ignore' });
    return () => {
      execFileSync('taskset', ['-apc', was, String(process.pid)], { stdio: 'ignore' });
    };
  } catch {
    return () => {};
  }
}

interface Timing {
  durationS: number;
  warmS: number;
}

/** One measured case of one system; durq's carries its Redis and run figures. */
interface Measured {
  load: Load;
  redis?: RedisPerEvent;
  runsScheduled?: number;
  runsEndedInWindow?: number;
  /** After the window: how long until every run ended, or 'not within N s'. */
  drain?: string;
  acceptedByMetrics?: number;
  /** Redis calls per event from durq, by script (SLOWLOG probe). */
  calls?: string;
  /** Who used the cores in the window (formatCpu), and durq's own process per event. */
  cpu: string;
  serverCpuUsPerEvent: number;
}

async function baseline(
  ctx: BenchContext,
  t: Timing,
  td: Teardown,
): Promise<Map<string, Measured>> {
  const port = await freePort();
  const child: BenchChild = startChild(BARE_CHILD, { port }, () => {});
  td.add(
    'bare fastify server',
    () => stopChild(child),
    () => child.proc.kill('SIGKILL'),
  );
  await child.ready;
  const url = `http://127.0.0.1:${port}`;
  const meter = new CpuMeter(new Map([['bare server', child.proc.pid!]]));
  const out = new Map<string, Measured>();
  for (const c of INGEST_CASES) {
    await drive(url, c, { durationS: t.warmS, signal: td.abort.signal });
    const cpu0 = meter.snapshot();
    const load = await drive(url, c, { durationS: t.durationS, signal: td.abort.signal });
    const w = meter.since(cpu0);
    const serverMs = w.byProcess.get('bare server') ?? 0;
    const m: Measured = {
      load,
      cpu: formatCpu(w, load.events),
      serverCpuUsPerEvent: round2((serverMs * 1000) / Math.max(1, load.events)),
    };
    ctx.log(formatLoad('bare', c, load));
    ctx.log(`    CPU: ${m.cpu}`);
    out.set(c.key, m);
  }
  await stopChild(child);
  return out;
}

/** One durq serve, the app synced; the admin client on its Redis. */
interface Rig {
  role: 'all' | 'api';
  serve: DurqServe;
  admin: Redis | null;
  meter: CpuMeter;
}

async function startApp(ctx: BenchContext, td: Teardown): Promise<SdkAppProcess> {
  const built = ensureBuilt(ctx.log);
  ctx.log(`  durq serve: ${CLI_BUILT} (${built === 'fresh' ? 'up to date' : 'just built'})`);
  const app = await startSdkAppProcess({ module: APP_MODULE, appId });
  td.add(
    'SDK app',
    () => app.stop(),
    () => void app.kill('SIGKILL'),
  );
  return app;
}

async function startRig(
  ctx: BenchContext,
  td: Teardown,
  app: SdkAppProcess,
  role: Rig['role'],
): Promise<Rig> {
  const serve = await startServe(role === 'all' ? {} : { role });
  td.add(
    `durq serve (role ${role})`,
    () => serve.stop(),
    () => serve.kill(),
  );
  ctx.log(`  ${serve.command}`);
  const res = await fetch(`${serve.url}/v0/apps/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: app.url }),
  });
  const synced = (await res.json()) as { app_id?: string; functions?: string[]; error?: string };
  if (!res.ok) throw new Error(`POST /v0/apps/sync answered ${res.status}: ${synced.error}`);
  ctx.log(`  synced app ${synced.app_id}: ${synced.functions?.join(', ')} (${app.url})`);
  let admin: Redis | null = null;
  if (serve.redisUrl !== null) {
    const client = new Redis(serve.redisUrl, { connectionName: 'durq-bench-admin' });
    admin = client;
    td.add(
      'admin client',
      async () => client.disconnect(),
      () => client.disconnect(),
    );
  } else ctx.log("  (embedded Redis's address not found: no Redis figures)");
  const pids = new Map([
    ['durq', serve.pid],
    ['SDK app', app.pid],
  ]);
  return { role, serve, admin, meter: new CpuMeter(pids) };
}

/**
 * One durq case: the SLOWLOG probe (on a drained queue), the warm-up, the measured window
 * (Redis, CPU and metrics around it), then (role all) the drain, for a bounded time.
 */
async function durqCase(rig: Rig, c: LoadCase, t: Timing, td: Teardown): Promise<Measured> {
  const signal = td.abort.signal;
  const url = rig.serve.url;
  const calls = await slowlogProbe(rig, c, td);
  await drive(url, c, { durationS: t.warmS, signal });
  const m0 = await scrapeMetrics(url);
  const r0 = rig.admin ? await snapshot(rig.admin) : null;
  const cpu0 = rig.meter.snapshot();
  const load = await drive(url, c, { durationS: t.durationS, signal });
  const w = rig.meter.since(cpu0);
  const r1 = rig.admin ? await snapshot(rig.admin) : null;
  const m1 = await scrapeMetrics(url);
  const redisCpuMs = r0 && r1 ? (r1.cpuUs - r0.cpuUs) / 1000 : 0;
  const durqMs = w.byProcess.get('durq') ?? 0;
  const out: Measured = {
    load,
    cpu: formatCpu(w, load.events, redisCpuMs),
    serverCpuUsPerEvent: round2((durqMs * 1000) / Math.max(1, load.events)),
    runsScheduled: runsScheduled(m1) - runsScheduled(m0),
    runsEndedInWindow: runsEnded(m1) - runsEnded(m0),
    acceptedByMetrics: m1.eventsAccepted - m0.eventsAccepted,
  };
  if (r0 && r1) out.redis = redisPerEvent(r0, r1, load.events);
  if (calls !== null) out.calls = calls;
  if (rig.role === 'api') return out;
  const drainMaxMs = Math.max(30_000, 6_000 * t.durationS);
  const d = await waitDrained(url, drainMaxMs, signal);
  const ended = runsEnded(d.metrics) - runsEnded(m0);
  const steps = d.metrics.steps - m0.steps;
  out.drain = d.drained
    ? `all ${ended} ended ${round2(d.ms / 1000)} s after the window`
    : `${ended} of ${runsScheduled(d.metrics) - runsScheduled(m0)} counted as ended (their ` +
      `finish items ran) within ${round2(d.ms / 1000)} s; ${steps} SDK requests answered`;
  return out;
}

/**
 * A few requests with SLOWLOG on, until their runs ended (role all): Redis calls per event from
 * durq (not those scripts make), by script, with server µs per call, ingest and run together.
 * Run on a drained queue, before the case's load, so that no backlog's work is counted.
 */
async function slowlogProbe(rig: Rig, c: LoadCase, td: Teardown): Promise<string | null> {
  if (!rig.admin) return null;
  const amount = PROBE_REQUESTS[c.key];
  const signal = td.abort.signal;
  if (rig.role === 'all' && !(await waitDrained(rig.serve.url, 60_000, signal)).drained)
    return 'not measured: the runs of the last case had not ended after 60 s';
  // One connection: server µs per call with as little queueing in Redis as can be.
  const one = { ...c, connections: 1 };
  const { value: events, split } = await withSlowlog(rig.admin, scriptNames(), async () => {
    const load = await drive(rig.serve.url, one, { amount, signal });
    if (rig.role === 'all') await waitDrained(rig.serve.url, 30_000, signal);
    return load.events;
  });
  let calls = 0;
  for (const s of split.values()) calls += s.calls;
  return `${round2(calls / Math.max(1, events))} per event: ${formatServerSplit(split, events)}`;
}

function loadExtra(l: Load): Record<string, number | string> {
  const extra: Record<string, number | string> = {
    requestsPerSec: l.requestsPerSec,
    p97_5Ms: l.p975Ms,
    maxMs: l.maxMs,
    connections: l.connections,
    durationS: l.durationS,
    errors: l.errors,
    non2xx: l.non2xx,
  };
  if (l.timeouts > 0) extra.timeouts = l.timeouts;
  if (l.non2xx > 0) extra.statuses = l.statuses;
  return extra;
}

/** The setting of a role-api row: the bench's target check tells them apart by it. */
const API_ROLE = '--role api (runs queued, none executed)';

function resultOf(
  system: 'durq' | 'http',
  c: LoadCase,
  m: Measured,
  o: { base?: Load; role?: Rig['role'] } = {},
): BenchResult {
  const l = m.load;
  const base = o.base;
  const r: BenchResult = {
    workload: 'ingest',
    system,
    setting: `${c.label}, ${c.connections} connections${o.role === 'api' ? `, ${API_ROLE}` : ''}`,
    items: l.events,
    itemsPerSec: l.eventsPerSec,
    redisUsPerItem: m.redis?.cpuUs ?? 0,
    scriptUsPerItem: m.redis?.scriptUs ?? 0,
    roundTripsPerItem: m.redis?.evalsha ?? 0,
    p50Ms: l.p50Ms,
    p99Ms: l.p99Ms,
    p999Ms: l.p999Ms,
    duplicates: 0,
    lost: 0,
    wallMs: Math.round(l.durationS * 1000),
    extra: loadExtra(l),
  };
  if (system === 'http') r.extra.server = 'bare fastify, stores nothing';
  r.extra.serverCpuUsPerEvent = m.serverCpuUsPerEvent;
  r.extra.cpu = m.cpu;
  if (base) {
    r.extra.eventsVsBare = `${ratio(l.eventsPerSec, base.eventsPerSec)}x`;
    r.extra.p99VsBare = `${ratio(l.p99Ms, Math.max(1, base.p99Ms))}x`;
  }
  if (m.runsScheduled !== undefined) {
    r.extra.runsStarted = m.runsScheduled;
    if (o.role === 'all') r.extra.runsEndedInWindow = m.runsEndedInWindow ?? 0;
    r.extra.acceptedPerMetrics = m.acceptedByMetrics ?? 0;
    if (m.drain !== undefined) r.extra.drain = m.drain;
    // An event whose run was not started is a lost run.
    r.lost = Math.max(0, l.events - m.runsScheduled);
  }
  if (m.redis) {
    r.extra.redisCommandsPerEvent = m.redis.commands;
    r.extra.redisTopCommands = m.redis.top;
  }
  r.extra.loadAvg1m = round2(loadavg()[0]!);
  return r;
}

/** The cases of one durq serve: every case in role all, single events in role api. */
async function durqRole(
  ctx: BenchContext,
  t: Timing,
  td: Teardown,
  o: { app: SdkAppProcess; role: Rig['role']; bare: Map<string, Measured> },
): Promise<BenchResult[]> {
  const rig = await startRig(ctx, td, o.app, o.role);
  const results: BenchResult[] = [];
  const cases = o.role === 'all' ? INGEST_CASES : INGEST_CASES.filter((c) => c.key === 'single');
  for (const c of cases) {
    const m = await durqCase(rig, c, t, td);
    ctx.log(formatLoad(`durq${o.role === 'api' ? ' (role api)' : ''}`, c, m.load));
    const r = resultOf('durq', c, m, { base: o.bare.get(c.key)?.load, role: o.role });
    if (m.calls !== undefined) r.extra.redisCallsFromDurq = m.calls;
    logDurqCase(ctx, r, m);
    results.push(r);
  }
  await readBack(ctx, rig, results);
  for (const [message, n] of rig.serve.warnings()) ctx.log(`    durq logged ${n}× ${message}`);
  rig.admin?.disconnect();
  ctx.log(`  stopped durq serve (role ${o.role}): ${await rig.serve.stop()}`);
  return results;
}

function logDurqCase(ctx: BenchContext, r: BenchResult, m: Measured): void {
  const e = r.extra;
  ctx.log(
    `    ${r.items} events accepted (${e.acceptedPerMetrics} by durq's metrics), ` +
      `${e.runsStarted} runs started` +
      (e.drain === undefined
        ? ' (none executed)'
        : `, ${e.runsEndedInWindow} ended in the window; ${e.drain}`) +
      '; ' +
      `${e.eventsVsBare} of the bare server's events/s, p99 ${e.p99VsBare} its p99`,
  );
  ctx.log(`    CPU: ${m.cpu}`);
  if (m.redis)
    ctx.log(
      `    Redis per event (window${m.drain === undefined ? '' : ', runs executing too'}): ` +
        `${m.redis.cpuUs} µs CPU, ` +
        `${m.redis.scriptUs} µs in scripts, ${m.redis.evalsha} EVALSHA, ${m.redis.commands} ` +
        `commands in all (${m.redis.top})`,
    );
  if (e.redisCallsFromDurq) ctx.log(`    Redis calls from durq (SLOWLOG): ${e.redisCallsFromDurq}`);
}

/**
 * What Redis and the REST API hold at the end, against the events durq counted as accepted
 * (durq_events_accepted_total: warm-ups and probes too, and the requests still in flight when
 * autocannon stopped, which autocannon does not count).
 */
async function readBack(ctx: BenchContext, rig: Rig, results: BenchResult[]): Promise<void> {
  const sample = await restSample(rig.serve.url, 20);
  ctx.log(`    REST: ${sample}`);
  if (!rig.admin) return;
  const accepted = (await scrapeMetrics(rig.serve.url)).eventsAccepted;
  const stored = await countStored(rig.admin);
  const line =
    `durq accepted ${accepted} events in all (warm-ups and probes too); Redis holds ` +
    `${stored.runs} runs and ${stored.events} events (internal inngest/function.finished ` +
    'events included)';
  ctx.log(`    ${line}`);
  for (const r of results) {
    r.extra.readBack = line;
    r.extra.restSample = sample;
    r.extra.runsMissingInRedis = Math.max(0, accepted - stored.runs);
  }
}

export const ingestWorkload: Workload = {
  name: 'ingest',
  about:
    '`durq serve` (the built CLI, embedded Redis, one inngest SDK app synced: every event ' +
    'starts a run) under autocannon POSTing to /e/<key>, closed loop, single events and ' +
    'batches of 100; baseline: the same load on a bare fastify server that stores nothing. ' +
    'Latencies are autocannon’s (1 ms resolution); Redis µs/item and script µs/item are per ' +
    'event over the window (the runs executing meanwhile included); cmds/item here = EVALSHA ' +
    'calls per event. Nothing is pinned: durq, its Redis, the app and autocannon share the cores',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const t: Timing = {
      durationS: ctx.durationS ?? (ctx.quick ? 3 : 10),
      warmS: ctx.quick ? 1 : 2,
    };
    const td = new Teardown();
    const repin = unpinSelf();
    ctx.log(
      `  ${t.durationS} s per case after ${t.warmS} s warm-up; load average ` +
        `${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')} (1, 5, 15 min)`,
    );
    try {
      const bare = await baseline(ctx, t, td);
      const app = await startApp(ctx, td);
      const all = await durqRole(ctx, t, td, { app, role: 'all', bare });
      const api = await durqRole(ctx, t, td, { app, role: 'api', bare });
      const rows = INGEST_CASES.flatMap((c, i) => [resultOf('http', c, bare.get(c.key)!), all[i]!]);
      rows.push(...api);
      for (const r of rows) ctx.log(formatResult(r));
      return rows;
    } finally {
      for (const line of await td.run()) ctx.log(`  stopped ${line}`);
      repin();
    }
  },
};
