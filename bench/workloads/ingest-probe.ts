/**
 * What the ingest workload reads back from durq serve: its Prometheus counters (`GET /metrics`),
 * the runs and events stored in its Redis (SCAN), a sample through the REST API, and the Redis
 * cost of a window (INFO cpu and commandstats).
 */
import type { Redis } from 'ioredis';
import { KeyNamespace, QUEUE_SCRIPTS, STATE_SCRIPTS } from '../../src/internal.js';
import { round2 } from '../harness/result.js';
import { costBetween, type ServerSnapshot } from '../harness/server-stats.js';
import { INGEST_EVENT } from './ingest-app.js';

/** durq serve's one queue shard (the engine's default shard name): every key's hash tag. */
const SHARD = 'durq';
const SCAN_COUNT = 5000;
const POLL_MS = 250;

/** durq's own counters. */
export interface ServeMetrics {
  eventsAccepted: number;
  /** durq_runs_total by status: 'scheduled', and the terminal ones. */
  runs: Record<string, number>;
  queueDepth: number;
  /** SDK requests answered (durq_steps_total, every outcome). */
  steps: number;
}

export const runsScheduled = (m: ServeMetrics): number => m.runs.scheduled ?? 0;
export const runsEnded = (m: ServeMetrics): number =>
  Object.entries(m.runs).reduce((n, [status, v]) => (status === 'scheduled' ? n : n + v), 0);

export async function scrapeMetrics(url: string): Promise<ServeMetrics> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const text = await res.text();
  const m: ServeMetrics = { eventsAccepted: 0, runs: {}, queueDepth: 0, steps: 0 };
  for (const line of text.split('\n')) {
    const s = /^(\w+)(?:\{([^}]*)\})? ([\d.e+-]+)$/.exec(line);
    if (!s) continue;
    const value = Number(s[3]);
    if (s[1] === 'durq_events_accepted_total') m.eventsAccepted += value;
    if (s[1] === 'durq_queue_depth') m.queueDepth += value;
    if (s[1] === 'durq_steps_total') m.steps += value;
    const status = /status="([^"]*)"/.exec(s[2] ?? '')?.[1];
    if (s[1] === 'durq_runs_total' && status !== undefined)
      m.runs[status] = (m.runs[status] ?? 0) + value;
  }
  return m;
}

/** Polls /metrics until every run scheduled so far ended, or `maxMs` passed. */
export async function waitDrained(
  url: string,
  maxMs: number,
  signal: AbortSignal,
): Promise<{ drained: boolean; ms: number; metrics: ServeMetrics }> {
  const t0 = performance.now();
  for (;;) {
    signal.throwIfAborted();
    const metrics = await scrapeMetrics(url);
    const ms = Math.round(performance.now() - t0);
    if (runsEnded(metrics) >= runsScheduled(metrics)) return { drained: true, ms, metrics };
    if (ms >= maxMs) return { drained: false, ms, metrics };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Run records (`{durq}:run:<id>`) and events (`{durq}:event:<id>`) in Redis. */
export async function countStored(admin: Redis): Promise<{ runs: number; events: number }> {
  const ns = new KeyNamespace(SHARD);
  const escape = (s: string) => s.replace(/[{}]/g, '\\$&');
  const run = new RegExp(`^${escape(ns.key('run', ''))}[0-9A-Z]{26}$`);
  const event = new RegExp(`^${escape(ns.key('event', ''))}[0-9A-Z]{26}$`);
  let cursor = '0';
  const out = { runs: 0, events: 0 };
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', ns.key('*'), 'COUNT', SCAN_COUNT);
    cursor = next;
    for (const k of keys) {
      if (run.test(k)) out.runs++;
      else if (event.test(k)) out.events++;
    }
  } while (cursor !== '0');
  return out;
}

/**
 * Through the REST API: the newest `n` events, and the runs each started (GET /v1/events,
 * GET /v1/events/:id/runs). Resolves to a summary such as "20 events: 20 with 1 run (Completed)".
 */
export async function restSample(url: string, n: number): Promise<string> {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    return (await res.json()) as { data: { internal_id?: string; status?: string }[] };
  };
  const name = encodeURIComponent(INGEST_EVENT);
  const events = (await get(`/v1/events?limit=${n}&name=${name}`)).data;
  const tally = new Map<string, number>();
  for (const e of events) {
    const runs = (await get(`/v1/events/${e.internal_id}/runs`)).data;
    const key = `${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.status).join(', ') || 'none'})`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const parts = [...tally].map(([k, v]) => `${v} with ${k}`);
  return `${events.length} newest ${INGEST_EVENT} events: ${parts.join('; ')}`;
}

/** Script SHA -> name, for SLOWLOG entries. */
export function scriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const spec of [...Object.values(STATE_SCRIPTS), ...Object.values(QUEUE_SCRIPTS)])
    names.set(spec.script.sha, spec.name);
  return names;
}

/** Redis cost of a window, per event. */
export interface RedisPerEvent {
  cpuUs: number;
  scriptUs: number;
  /** EVALSHA calls (each one round trip from durq). */
  evalsha: number;
  /** Every command Redis ran, inside scripts or not (commandstats counts both). */
  commands: number;
  /** The most called commands: "hset 3.0, zadd 2.0, …" per event. */
  top: string;
}

export function redisPerEvent(
  before: ServerSnapshot,
  after: ServerSnapshot,
  events: number,
): RedisPerEvent {
  const cost = costBetween([before], [after]);
  const n = Math.max(1, events);
  const calls: [string, number][] = [];
  for (const [name, v] of after.calls) {
    const d = v - (before.calls.get(name) ?? 0);
    if (d > 0 && !['info', 'scan', 'config', 'slowlog', 'client', 'ping'].includes(name))
      calls.push([name, d]);
  }
  calls.sort((a, b) => b[1] - a[1]);
  const evalsha = calls.find(([name]) => name === 'evalsha')?.[1] ?? 0;
  return {
    cpuUs: round2(cost.cpuUs / n),
    scriptUs: round2(cost.scriptUs / n),
    evalsha: round2(evalsha / n),
    commands: round2(cost.commands / n),
    top: calls
      .slice(0, 8)
      .map(([name, d]) => `${name} ${round2(d / n)}`)
      .join(', '),
  };
}
