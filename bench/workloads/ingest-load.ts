/**
 * The ingest workload's load: autocannon 8 (programmatic, in the bench process, one thread)
 * POSTing events to `/e/<key>` over keep-alive connections, closed loop (each connection sends
 * its next request when the last one is answered), for a given time.
 */
import autocannon, { type Instance, type Result } from 'autocannon';
import { INGEST_EVENT } from './ingest-app.js';

/** The event key in the path: durq serve in dev mode accepts any. */
const EVENT_KEY = 'bench-key';
/** Seconds a request may take before autocannon counts it as a timeout. */
const REQUEST_TIMEOUT_S = 10;

/** One load shape: events per request and connections. */
export interface LoadCase {
  key: 'single' | 'batch';
  label: string;
  /** 1: one event object per request; more: an array of that many. */
  perRequest: number;
  connections: number;
}

/** What one autocannon run measured. */
export interface Load {
  durationS: number;
  connections: number;
  perRequest: number;
  /** 2xx answers, and events in them (a request is stored all or nothing). */
  ok: number;
  events: number;
  requestsPerSec: number;
  eventsPerSec: number;
  /** autocannon's latency histogram (ms, 1 ms resolution), over 2xx answers. */
  p50Ms: number;
  p975Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Connection errors (timeouts included), timeouts, and answers other than 2xx. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** e.g. "200 ×1234, 503 ×2" */
  statuses: string;
}

/** The request body of a case: distinct `data` per event, no `id` (the server assigns it). */
export function bodyOf(c: LoadCase): string {
  const event = (i: number) => ({ name: INGEST_EVENT, data: { i, tenant: `t${i % 10}` } });
  if (c.perRequest === 1) return JSON.stringify(event(0));
  return JSON.stringify(Array.from({ length: c.perRequest }, (_, i) => event(i)));
}

function toLoad(c: LoadCase, r: Result): Load {
  const duration = Math.max(r.duration, 1e-3);
  const ok = r['2xx'];
  return {
    durationS: r.duration,
    connections: r.connections,
    perRequest: c.perRequest,
    ok,
    events: ok * c.perRequest,
    requestsPerSec: Math.round(ok / duration),
    eventsPerSec: Math.round((ok * c.perRequest) / duration),
    p50Ms: r.latency.p50,
    p975Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    p999Ms: r.latency.p99_9,
    maxMs: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statuses: Object.entries(r.statusCodeStats)
      .map(([code, s]) => `${code} ×${s.count}`)
      .join(', '),
  };
}

/**
 * Drives `baseUrl`'s `POST /e/<key>` with case `c` for `durationS` seconds (or `amount`
 * requests); stops early when `signal` aborts.
 */
export async function drive(
  baseUrl: string,
  c: LoadCase,
  o: { durationS?: number; amount?: number; signal: AbortSignal },
): Promise<Load> {
  o.signal.throwIfAborted();
  const instance: Instance = autocannon({
    url: `${baseUrl}/e/${EVENT_KEY}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodyOf(c),
    connections: c.connections,
    timeout: REQUEST_TIMEOUT_S,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationS ?? 10 }),
  });
  const stop = () => instance.stop();
  o.signal.addEventListener('abort', stop, { once: true });
  try {
    const result = await instance;
    o.signal.throwIfAborted();
    return toLoad(c, result);
  } finally {
    o.signal.removeEventListener('abort', stop);
  }
}

/** One line for the log. */
export function formatLoad(system: string, c: LoadCase, l: Load): string {
  const errors = l.errors + l.non2xx > 0 ? `  errors ${l.errors} non-2xx ${l.non2xx}` : '';
  return (
    `  ${system.padEnd(5)} ${c.label}, ${l.connections} conns: ${l.requestsPerSec} req/s, ` +
    `${l.eventsPerSec} events/s, p50 ${l.p50Ms} p97.5 ${l.p975Ms} p99 ${l.p99Ms} ` +
    `max ${l.maxMs} ms${errors}`
  );
}
