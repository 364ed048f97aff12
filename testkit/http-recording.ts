/**
 * Records every exchange a node:http request listener handles, for tests that assert on the wire.
 * The request body is read here first and handed on to the wrapped listener as a fresh stream
 * carrying the same bytes (the SDK reads it with `req.on('data' | 'end')`), so recording does not
 * take the body away from the app. The response is captured at `res.end`, i.e. before the client
 * can have read it: once a caller's request has returned, its record is complete.
 */
import type {
  IncomingMessage,
  OutgoingHttpHeaders,
  RequestListener,
  ServerResponse,
} from 'node:http';
import { PassThrough } from 'node:stream';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/api/inngest?fnId=app-fn&stepId=step`. */
  url: string;
  /** The `fnId` and `stepId` query parameters (null when absent). */
  fnId: string | null;
  stepId: string | null;
  /** Request headers, lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The request body as received. */
  rawBody: string;
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** Filled in when the app answers (undefined while it is still working, or if it never did). */
  status?: number;
  responseHeaders?: Record<string, string>;
  rawResponseBody?: string;
  /** Parsed like `body` (a streamed 201 reply parses too: its keep-alive bytes are whitespace). */
  responseBody?: unknown;
}

/** Wraps `inner` so that every exchange is appended to `records` (in order of arrival). */
export function recordingListener(inner: RequestListener, records: RecordedRequest[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', (err) => res.destroy(err));
    req.once('end', () => {
      const raw = Buffer.concat(chunks);
      const query = new URL(req.url ?? '/', 'http://recorded').searchParams;
      const record: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        fnId: query.get('fnId'),
        stepId: query.get('stepId'),
        headers: flatHeaders(req.headers),
        rawBody: raw.toString('utf8'),
        body: parseBody(raw.toString('utf8')),
      };
      records.push(record);
      captureResponse(res, record);
      void inner(replay(req, raw), res);
    });
  };
}

/** A stream with `req`'s request line and headers that yields `body` again. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new PassThrough();
  Object.assign(copy, {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    socket: req.socket,
    connection: req.socket,
  });
  copy.end(body);
  return copy as unknown as IncomingMessage;
}

function captureResponse(res: ServerResponse, record: RecordedRequest): void {
  const chunks: Buffer[] = [];
  let headArg: OutgoingHttpHeaders = {};
  const toBuffer = (chunk: unknown): Buffer | undefined =>
    typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null);
    if (headers && !Array.isArray(headers)) headArg = headers as OutgoingHttpHeaders;
    return writeHead(...args);
  }) as typeof res.writeHead;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const b = toBuffer(chunk);
    if (b) chunks.push(b);
    return write(chunk, ...rest);
  }) as typeof res.write;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    const b = typeof chunk === 'function' ? undefined : toBuffer(chunk);
    if (b) chunks.push(b);
    const text = Buffer.concat(chunks).toString('utf8');
    record.status = res.statusCode;
    record.responseHeaders = flatHeaders({ ...res.getHeaders(), ...headArg });
    record.rawResponseBody = text;
    record.responseBody = parseBody(text);
    return end(chunk, ...rest);
  }) as typeof res.end;
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
