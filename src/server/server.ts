import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Clock } from '../core/clock.js';
import { KeyRing } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import { replyError } from './reply.js';
import { restIds } from './rest-shapes.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { syncRoutes } from './routes/sync.js';
import { v0Routes } from './routes/v0.js';
import { v1EventRoutes } from './routes/v1-events.js';
import { v1RunRoutes } from './routes/v1-runs.js';
import type { ServerContext } from './server-context.js';
import type { ServerEngine } from './server-engine.js';

export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Seconds a client is told to wait (`Retry-After`) while the server shuts down. */
const SHUTDOWN_RETRY_AFTER_S = 5;

export interface ServerOptions {
  engine: ServerEngine;
  metrics: ServerMetrics;
  logger: FastifyBaseLogger;
  clock: Clock;
  /** The account whose runs the server shows (the engine's accountId). */
  accountId: string;
  /** Production mode when any is given: signed SDK requests, keys on every API. */
  signingKeys?: readonly string[];
  eventKeys?: readonly string[];
  /** 'worker' serves only /health and /metrics. */
  role: 'all' | 'api' | 'worker';
  /** Largest request body, bytes (413 above). */
  maxRequestBytes?: number;
}

/** The HTTP API of durq serve, on fastify. */
export interface DurqServer {
  readonly app: FastifyInstance;
  /** Starts listening; resolves to the URL. */
  listen(host: string, port: number): Promise<string>;
  /** From now on, every request is answered 503 with Retry-After (graceful shutdown). */
  drain(): void;
  /** Closes the listener, after in-flight requests finished. */
  close(): Promise<void>;
}

export function buildServer(opts: ServerOptions): DurqServer {
  const keys = new KeyRing(opts.signingKeys ?? [], opts.eventKeys ?? []);
  const ctx: ServerContext = {
    engine: opts.engine,
    keys,
    metrics: opts.metrics,
    ids: restIds(opts.accountId),
    clock: opts.clock,
    serverKind: keys.devMode ? 'dev' : 'cloud',
  };
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxRequestBytes,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const state = { draining: false };
  installHooks(app, keys, opts.metrics, state);
  installBodyHandling(app, maxRequestBytes);

  healthRoutes(app, ctx, opts.role);
  if (opts.role !== 'worker') {
    eventRoutes(app, ctx);
    syncRoutes(app, ctx);
    v0Routes(app, ctx);
    v1EventRoutes(app, ctx);
    v1RunRoutes(app, ctx);
  }

  return {
    app,
    async listen(host, port) {
      return await app.listen({ host, port });
    },
    drain() {
      state.draining = true;
    },
    async close() {
      await app.close();
    },
  };
}

function needsSigningKey(url: string): boolean {
  return url.startsWith('/fn/') || url.startsWith('/v0/') || url.startsWith('/v1/');
}

function installHooks(
  app: FastifyInstance,
  keys: KeyRing,
  metrics: ServerMetrics,
  state: { draining: boolean },
): void {
  app.addHook('onRequest', async (req, reply) => {
    // An SDK call still running fetches its state (use_api) from here: let it finish.
    if (state.draining && !(req.method === 'GET' && req.url.startsWith('/v0/runs/')))
      return reply
        .header('retry-after', String(SHUTDOWN_RETRY_AFTER_S))
        .header('connection', 'close')
        .code(503)
        .send({ status: 503, error: 'durq is shutting down; retry on another instance or later' });
    if (needsSigningKey(req.url) && !keys.authorized(req.headers.authorization))
      return replyError(reply, 401, 'Authentication failed');
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 400)
      metrics.httpErrors.inc({
        route: req.routeOptions.url ?? 'unknown',
        status: String(reply.statusCode),
      });
    req.log.debug(
      { method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    );
  });
}

function installBodyHandling(app: FastifyInstance, maxRequestBytes: number): void {
  // Every body is read as JSON whatever its content type (curl sends form-encoded by default),
  // and a parse error names what is wrong.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string) as unknown);
    } catch (err) {
      const e = new Error(`the body is not valid JSON: ${(err as Error).message}`) as FastifyError;
      e.statusCode = 400;
      done(e, undefined);
    }
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const extra = req.url.startsWith('/e/') ? { ids: [] } : {};
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return replyError(reply, 413, `the request body is over ${maxRequestBytes} bytes`, extra);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return replyError(reply, err.statusCode, err.message, extra);
    req.log.error({ err, url: req.url }, 'request failed');
    return replyError(reply, 500, `internal error: ${err.message}`, extra);
  });
  app.setNotFoundHandler((req, reply) =>
    replyError(reply, 404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}`),
  );
}
