import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { SystemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { checkIntOption } from '../core/option-checks.js';
import { SdkRequestError } from './errors.js';
import type { SdkRequestFailure } from './errors.js';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-transport.js';
import { failureOf } from './undici-errors.js';

/** Options of an UndiciTransport; every duration in ms. */
export interface UndiciTransportOptions {
  /** Time allowed to open a TCP (and TLS) connection. Default 10 000. */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. Default 30 000. */
  keepAliveTimeoutMs?: number;
  /** Most connections open at once to one app origin. Default 64. */
  connectionsPerOrigin?: number;
  /** Measures each request's deadline. Default: the system clock. */
  clock?: Clock;
}

/** Node's timers (and so undici's) overflow past 2^31 - 1 ms; longer deadlines are cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Abort {
  reason: SdkRequestFailure;
  what: string;
}

/**
 * The production HttpTransport: undici, one keep-alive connection pool per app origin (an
 * undici Agent pools per origin). Each request gets one deadline, `timeoutMs`, for its headers
 * and whole body together; the body is read as a stream and abandoned as soon as it passes
 * `maxResponseBytes`. Rejects only with SdkRequestError.
 */
export class UndiciTransport implements HttpTransport {
  private readonly agent: Agent;
  private readonly clock: Clock;

  constructor(options: UndiciTransportOptions = {}) {
    const {
      connectTimeoutMs = 10_000,
      keepAliveTimeoutMs = 30_000,
      connectionsPerOrigin = 64,
    } = options;
    checkIntOption('connectTimeoutMs', connectTimeoutMs, 1);
    checkIntOption('keepAliveTimeoutMs', keepAliveTimeoutMs, 1);
    checkIntOption('connectionsPerOrigin', connectionsPerOrigin, 1);
    this.clock = options.clock ?? new SystemClock();
    this.agent = new Agent({
      connections: connectionsPerOrigin,
      keepAliveTimeout: keepAliveTimeoutMs,
      connect: { timeout: connectTimeoutMs },
    });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const target = parseHttpUrl(req.url);
    if (req.signal?.aborted)
      throw new SdkRequestError('aborted', req.url, 'aborted before it was sent');
    const stop = new AbortController();
    let aborted: Abort | undefined;
    const abort = (reason: SdkRequestFailure, what: string): void => {
      aborted ??= { reason, what };
      stop.abort();
    };
    const onCallerAbort = (): void => abort('aborted', 'aborted by the caller');
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const deadlineDone = new AbortController();
    void this.clock.sleep(Math.min(req.timeoutMs, MAX_TIMER_MS), deadlineDone.signal).then(() => {
      if (!deadlineDone.signal.aborted)
        abort('timeout', `no whole response within ${req.timeoutMs} ms`);
    });
    try {
      const res = await this.agent.request(requestOptions(req, target, stop.signal));
      const body = await readCapped(res, req.maxResponseBytes);
      if (body === undefined) {
        throw new SdkRequestError(
          'too-large',
          req.url,
          `${req.method}: body over ${req.maxResponseBytes} bytes`,
        );
      }
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
    } catch (err) {
      if (err instanceof SdkRequestError) throw err;
      const { reason, what } = aborted ?? failureOf(err);
      throw new SdkRequestError(reason, req.url, `${req.method}: ${what}`, { cause: err });
    } finally {
      deadlineDone.abort();
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * Closes every pool and aborts what is still in flight. The engine closes its driver after its
   * processor stopped (every step's request had finished or was aborted and requeued), so what
   * is left is a sync of an app that does not answer: waiting for it could take the whole
   * request timeout.
   */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

function parseHttpUrl(url: string): URL {
  let target: URL | undefined;
  try {
    target = new URL(url);
  } catch {
    target = undefined;
  }
  if (target?.protocol !== 'http:' && target?.protocol !== 'https:') {
    throw new SdkRequestError('connect', url, 'not an http(s) URL');
  }
  return target;
}

function requestOptions(
  req: HttpRequest,
  target: URL,
  signal: AbortSignal,
): Dispatcher.RequestOptions {
  // undici's idle timeouts default to 300 s; the deadline above is the one that counts.
  const idleMs = Math.min(Math.max(1, req.timeoutMs), MAX_TIMER_MS);
  return {
    origin: target.origin,
    path: target.pathname + target.search,
    method: req.method,
    headers: req.headers,
    body: req.body ?? null,
    signal,
    headersTimeout: idleMs,
    bodyTimeout: idleMs,
  };
}

/**
 * The body as UTF-8, read chunk by chunk; undefined as soon as it passes `max` bytes (by its
 * Content-Length or by what has arrived), the rest left unread and the stream destroyed.
 */
async function readCapped(res: Dispatcher.ResponseData, max: number): Promise<string | undefined> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      res.body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Response headers with lower-case names, a repeated header's values joined with ', '. */
function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
