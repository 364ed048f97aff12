import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { readBody, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';

/** A request the fake SDK received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the fake SDK answers one request. */
export type Responder = (req: Received, res: ServerResponse) => void;

/** A node:http server standing in for an SDK app: it records requests and answers as told. */
export interface FakeSdk extends LocalServer {
  received: Received[];
  respond: Responder;
}

/** The headers the SDK puts on every answer (sdk-http-protocol.md §3.1). */
export const SDK_HEADERS = {
  'content-type': 'application/json',
  'x-inngest-sdk': 'inngest-js:v4.24.0',
  'x-inngest-req-version': '2',
};

/** Answers with `status`, SDK headers plus `headers`, and `body` (JSON unless a string). */
export function sdkReply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SDK_HEADERS, ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Starts a fake SDK that answers every request with 200 `null` until told otherwise. */
export async function startFakeSdk(): Promise<FakeSdk> {
  const self: { fake?: FakeSdk } = {};
  const server = await startLocalServer(async (req, res) => {
    const received: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: await readBody(req),
    };
    self.fake?.received.push(received);
    self.fake?.respond(received, res);
  });
  const responder: Responder = (_req, res) => sdkReply(res, 200, null);
  self.fake = Object.assign(server, { received: [] as Received[], respond: responder });
  return self.fake;
}
