/**
 * Real `inngest` SDK apps called in-process, with no sockets: an HttpTransport (durq's driver
 * seam) that hands each request to an app's fetch-style handler (`serve` from `inngest/edge`,
 * `(req: Request) => Promise<Response>`), so that a test or the simulator decides when a request
 * is answered. The SDK's answers are the same as over HTTP; the only non-deterministic field in
 * them is each op's `timing` (the SDK's own clock), which `withoutTiming` strips for comparing
 * or hashing traces.
 */
import { Inngest, type InngestFunction } from 'inngest';
import { serve } from 'inngest/edge';
import {
  SdkRequestError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../src/index.js';

/** A fetch-style handler, as `serve` from `inngest/edge` returns it. */
export type FetchHandler = (req: Request) => Promise<Response>;

export interface InProcessApp {
  /** The serve URL to register (`http://<host>/api/inngest`); the host is only a name. */
  url: string;
  appId: string;
  handler: FetchHandler;
}

/**
 * A real SDK app served in-process. `host` names it (requests to that origin reach it); dev mode
 * unless a signing key is given. Events the app sends (`step.sendEvent`) go to `eventApiUrl`,
 * or to `fetch` when given.
 */
export function inProcessApp(opts: {
  host: string;
  appId: string;
  functions: (inngest: Inngest) => InngestFunction.Any[];
  signingKey?: string;
  eventApiUrl?: string;
  /** The SDK client's fetch (what `step.sendEvent` calls the Event API with). */
  fetch?: (url: unknown, init?: RequestInit) => Promise<Response>;
  /** Drops the SDK's own log lines (e.g. every step error it reports), for a quiet test. */
  quiet?: boolean;
}): InProcessApp {
  const silent = { info() {}, warn() {}, error() {}, debug() {} };
  const client = new Inngest({
    ...(opts.quiet ? { logger: silent, internalLogger: silent } : {}),
    id: opts.appId,
    isDev: opts.signingKey === undefined,
    ...(opts.signingKey !== undefined ? { signingKey: opts.signingKey } : {}),
    baseUrl: opts.eventApiUrl ?? 'http://127.0.0.1:1/',
    ...(opts.signingKey !== undefined ? { eventKey: 'in-process-event-key' } : {}),
    ...(opts.fetch !== undefined ? { fetch: opts.fetch as typeof fetch } : {}),
  });
  const url = `http://${opts.host}/api/inngest`;
  const handler = serve({
    client,
    functions: opts.functions(client),
    serveOrigin: `http://${opts.host}`,
    servePath: '/api/inngest',
  }) as unknown as FetchHandler;
  return { url, appId: opts.appId, handler };
}

/** One exchange the transport carried, for tests and traces. */
export interface Exchange {
  request: HttpRequest;
  response: HttpResponse;
}

/**
 * An HttpTransport over in-process apps, by origin. A request to an origin with no app fails as
 * a refused connection would. `delay` (optional) is awaited before each request reaches its app:
 * the place where a scheduler decides a request's latency.
 */
export class InProcessTransport implements HttpTransport {
  readonly exchanges: Exchange[] = [];
  private readonly apps = new Map<string, InProcessApp>();

  constructor(
    apps: readonly InProcessApp[],
    private readonly delay?: (req: HttpRequest) => Promise<void>,
  ) {
    for (const app of apps) this.apps.set(new URL(app.url).origin, app);
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const app = this.apps.get(new URL(req.url).origin);
    if (app === undefined)
      throw new SdkRequestError('connect', req.url, 'no in-process app at this origin');
    if (this.delay) await this.delay(req);
    const response = await callApp(app, req);
    this.exchanges.push({ request: req, response });
    return response;
  }

  async close(): Promise<void> {}
}

/** Hands one request to an app's fetch handler and reads its whole answer. */
export async function callApp(app: InProcessApp, req: HttpRequest): Promise<HttpResponse> {
  const init: RequestInit = {
    method: req.method,
    headers: { ...req.headers, host: new URL(req.url).host },
  };
  if (req.body !== undefined && req.method !== 'GET') init.body = req.body;
  const res = await app.handler(new Request(req.url, init));
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  return { status: res.status, headers, body: await res.text() };
}

/** A response body with every op's `timing` (the SDK's clock) removed, for comparing traces. */
export function withoutTiming(body: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'timing') out[k] = strip(x);
      return out;
    }
    return v;
  };
  return strip(parsed);
}
