import { request } from 'undici';
import { DurqError } from '../core/errors.js';

/** A durq server answered a client command with an error, or could not be reached. */
export class ServerReplyError extends DurqError {
  override name = 'ServerReplyError';
  readonly status: number | null;

  constructor(status: number | null, message: string) {
    super('SERVER_REPLY', message);
    this.status = status;
  }
}

export interface ClientOptions {
  /** The server, e.g. http://127.0.0.1:8288 */
  url: string;
  /** Sent as `Authorization: Bearer …` (production mode). */
  signingKey?: string;
}

/** One call of the server's HTTP API; a 4xx/5xx answer throws with the server's message. */
export async function callServer(
  opts: ClientOptions,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (opts.signingKey !== undefined) headers.authorization = `Bearer ${opts.signingKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await request(new URL(path, opts.url), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ServerReplyError(
      null,
      `cannot reach durq at ${opts.url} (${(err as Error).message}); is durq serve running? (--url)`,
    );
  }
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (res.statusCode >= 400) {
    const message =
      typeof parsed === 'object' && parsed !== null && 'error' in parsed
        ? String((parsed as { error: unknown }).error)
        : text;
    throw new ServerReplyError(res.statusCode, `${method} ${path}: ${res.statusCode} ${message}`);
  }
  return parsed;
}
