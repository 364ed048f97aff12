import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Something that accepts events as `POST /e/{key}` bodies do (durq's Engine). */
export interface EventSink {
  send(events: unknown): Promise<{ ids: string[] }>;
}

export interface EventApi {
  /** The base URL to give the SDK as its event API (`baseUrl`). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A minimal `POST /e/{key}` endpoint on loopback, so that apps can `inngest.send()` and
 * `step.sendEvent()` into an engine before durq's server exists: answers
 * `{"ids": [...], "status": 200}` (the body's status is what the SDK checks), or
 * `{"ids": [], "status": 400, "error": "..."}` for a refused batch. Any key is accepted.
 */
export async function startEventApi(sink: EventSink): Promise<EventApi> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !/^\/e\/[^/]+$/.test(req.url?.split('?')[0] ?? ''))
        return reply(404, { error: 'not found', status: 404 });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { ids: [], status: 400, error: 'body is not JSON' });
      }
      sink.send(body).then(
        (r) => reply(200, { ids: r.ids, status: 200 }),
        (err: unknown) => reply(400, { ids: [], status: 400, error: String(err) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
