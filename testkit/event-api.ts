import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the stand-in server calls (durq's Engine has all of it): `send` for `POST /e/{key}`, and,
 * when present, `registerConfig` for `POST /fn/register` and `runData` for the `use_api` fetches.
 */
export interface EventSink {
  send(events: unknown): Promise<{ ids: string[] }>;
  registerConfig?(raw: unknown, url: string): Promise<{ modified: boolean }>;
  runData?(runId: string): Promise<{ events: unknown[]; actions: Record<string, unknown> } | null>;
}

export interface EventApi {
  /** The base URL to give the SDK as its event API (`baseUrl`). */
  url: string;
  /** Every request's method and path, in order of arrival. */
  readonly requests: string[];
  stop(): Promise<void>;
}

type Reply = (status: number, body: unknown) => void;

/**
 * A minimal stand-in for durq's server on loopback, so that apps can reach an engine before
 * the server exists: `POST /e/{key}` answers `{"ids": [...], "status": 200}` (the body's status
 * is what the SDK checks), or `{"ids": [], "status": 400, "error": "..."}` for a refused batch,
 * any key accepted; `POST /fn/register` (an out-of-band sync) answers `{"ok": true, "modified"}`
 * or `{"status": 400, "error"}`; `GET /v0/runs/{id}/batch` and `/actions` answer the run's events
 * and memo map, or 410 when its state is gone. Nothing is authenticated.
 */
export async function startEventApi(sink: EventSink): Promise<EventApi> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply: Reply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      requests.push(`${req.method} ${req.url?.split('?')[0]}`);
      route(sink, req, Buffer.concat(chunks).toString('utf8'), reply).catch((err: unknown) =>
        reply(500, { error: String(err), status: 500 }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function route(sink: EventSink, req: IncomingMessage, text: string, reply: Reply) {
  const path = req.url?.split('?')[0] ?? '';
  const runRoute = /^\/v0\/runs\/([^/]+)\/(batch|actions)$/.exec(path);
  if (req.method === 'GET' && runRoute && sink.runData) {
    const data = await sink.runData(decodeURIComponent(runRoute[1] as string));
    if (data === null) return reply(410, { error: 'run state is gone', status: 410 });
    return reply(200, runRoute[2] === 'batch' ? data.events : data.actions);
  }
  const isEvents = /^\/e\/[^/]+$/.test(path);
  const registerConfig = path === '/fn/register' ? sink.registerConfig?.bind(sink) : undefined;
  if (req.method !== 'POST' || !(isEvents || registerConfig))
    return reply(404, { error: 'not found', status: 404 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reply(400, { ids: [], status: 400, error: 'body is not JSON' });
  }
  if (registerConfig) return await register(registerConfig, body, reply);
  await sink.send(body).then(
    (r) => reply(200, { ids: r.ids, status: 200 }),
    (err: unknown) => reply(400, { ids: [], status: 400, error: String(err) }),
  );
}

async function register(
  registerConfig: NonNullable<EventSink['registerConfig']>,
  body: unknown,
  reply: Reply,
): Promise<void> {
  const url = (body as { url?: unknown }).url;
  await registerConfig(body, typeof url === 'string' ? url : '').then(
    (r) => reply(200, { ok: true, modified: r.modified }),
    (err: unknown) => reply(400, { status: 400, error: String(err) }),
  );
}
