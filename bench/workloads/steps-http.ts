import { performance } from 'node:perf_hooks';
import { UndiciTransport } from '../../src/index.js';
import type { SdkApp } from '../../testkit/sdk-app.js';
import { LatencyHistogram } from '../harness/histogram.js';
import { makeResult, type BenchResult } from '../harness/result.js';
import type { ServerCost } from '../harness/server-stats.js';

/** One request as durq sent it to the app. */
export interface BareRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** The bare HTTP round trips of a baseline. */
export interface BareHttp {
  label: string;
  inFlight: number;
  h: LatencyHistogram;
  requests: number;
  wallMs: number;
  /** Answers other than 200 and 206. */
  errors: number;
}

export const ratePerSec = (b: BareHttp): number => Math.round((b.requests / b.wallMs) * 1000);

/**
 * POSTs `requests` in turn, `n` in all with `inFlight` at once, after `warm` unmeasured ones,
 * with durq's own HTTP client (UndiciTransport: undici, a keep-alive pool per origin).
 */
export async function bareHttp(
  label: string,
  requests: BareRequest[],
  o: { n: number; inFlight: number; warm: number },
): Promise<BareHttp> {
  const http = new UndiciTransport();
  const out: BareHttp = {
    label,
    inFlight: o.inFlight,
    h: new LatencyHistogram(),
    requests: 0,
    wallMs: 0,
    errors: 0,
  };
  const loop = async (n: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        const q = requests[i % requests.length]!;
        const t0 = performance.now();
        const res = await http.send({
          method: 'POST',
          ...q,
          timeoutMs: 30_000,
          maxResponseBytes: 1 << 20,
        });
        if (!record) continue;
        out.h.recordMs(performance.now() - t0);
        out.requests++;
        if (res.status !== 200 && res.status !== 206) out.errors++;
      }
    };
    await Promise.all(Array.from({ length: o.inFlight }, worker));
  };
  try {
    await loop(o.warm, false);
    const t0 = performance.now();
    await loop(o.n, true);
    out.wallMs = performance.now() - t0;
  } finally {
    await http.close();
  }
  return out;
}

/**
 * The baselines' requests, from what the app recorded: every request of durq's last complete
 * run of `fnId` (`perRun` of them: the same SDK work as a run, replayed), and that run's first
 * request (the discovery call) sent to the function with no step, `noopFnId`, its events renamed
 * to that function's trigger `noopEvent` (the SDK refuses an event its function lacks).
 */
export function baselineRequests(
  app: SdkApp,
  o: { fnId: string; perRun: number; noopFnId: string; noopEvent: string },
): { run: BareRequest[]; noop: BareRequest } {
  const byRun = new Map<string, BareRequest[]>();
  for (const q of app.requests) {
    if (q.fnId !== o.fnId || q.method !== 'POST') continue;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(q.headers))
      if (k === 'content-type' || k.startsWith('x-')) headers[k] = v;
    const runId = headers['x-run-id'] ?? '';
    const list = byRun.get(runId) ?? [];
    list.push({ url: app.url + q.url.slice(q.url.indexOf('?')), body: q.rawBody, headers });
    byRun.set(runId, list);
  }
  const run = [...byRun.values()].filter((l) => l.length === o.perRun).at(-1);
  if (!run) throw new Error(`steps: the app recorded no complete run of ${o.fnId}`);
  const first = JSON.parse(run[0]!.body) as { event: { name: string }; events: { name: string }[] };
  for (const e of [first.event, ...first.events]) e.name = o.noopEvent;
  const noop = {
    url: `${app.url}?fnId=${o.noopFnId}&stepId=step`,
    body: JSON.stringify(first),
    headers: run[0]!.headers,
  };
  return { run, noop };
}

const NO_COST: ServerCost = {
  cpuUs: 0,
  commands: 0,
  scriptUs: 0,
  scriptCalls: 0,
  cpuUsPerServer: [],
};

/** A baseline as a result row: system 'http', no Redis at all. */
export function httpResult(workload: string, b: BareHttp): BenchResult {
  const setting = `${b.label}, ${b.inFlight} in flight`;
  const r = makeResult(
    { workload, system: 'http', setting, items: b.requests, wallMs: b.wallMs },
    NO_COST,
    null,
  );
  Object.assign(r, b.h.summary());
  r.extra.client = 'UndiciTransport (keep-alive)';
  if (b.errors > 0) r.extra.errors = b.errors;
  return r;
}
