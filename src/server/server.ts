import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { InvalidOptionError } from '../core/errors.js';
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
  installHooks(app, opts.metrics, state);
  installBodyHandling(app, maxRequestBytes);

  healthRoutes(app, ctx, opts.role);
  if (opts.role !== 'worker') {
    eventRoutes(app, ctx);
    // Every route in this scope needs the signing key in production mode. The check hangs on
    // the routes themselves (an encapsulated hook), not on the raw URL, which a client may
    // percent-encode past a prefix test while the router still matches it.
    void app.register(async (protectedScope) => {
      protectedScope.addHook('onRequest', async (req, reply) => {
        if (!keys.authorized(req.headers.authorization))
          return replyError(reply, 401, 'Authentication failed');
      });
      syncRoutes(protectedScope, ctx);
      v0Routes(protectedScope, ctx);
      v1EventRoutes(protectedScope, ctx);
      v1RunRoutes(protectedScope, ctx);
    });
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

/** The routes an SDK call still running reads its state from (use_api): open while draining. */
const STATE_ROUTES = new Set(['/v0/runs/:id/actions', '/v0/runs/:id/batch']);

function installHooks(
  app: FastifyInstance,
  metrics: ServerMetrics,
  state: { draining: boolean },
): void {
  app.addHook('onRequest', async (req, reply) => {
    if (state.draining && !(req.method === 'GET' && STATE_ROUTES.has(req.routeOptions.url ?? '')))
      return reply
        .header('retry-after', String(SHUTDOWN_RETRY_AFTER_S))
        .header('connection', 'close')
        .code(503)
        .send({ status: 503, error: 'durq is shutting down; retry on another instance or later' });
  });
  const logsRequests = app.log.level === 'debug' || app.log.level === 'trace';
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 400)
      metrics.httpErrors.inc({
        route: req.routeOptions.url ?? 'unknown',
        status: String(reply.statusCode),
      });
    // The route, not the URL: `/e/<key>` carries an event key, which stays out of the logs.
    // (Checked first: this runs for every request, and debug is rarely on.)
    if (logsRequests)
      req.log.debug(
        {
          method: req.method,
          route: routeOf(req),
          status: reply.statusCode,
          ms: reply.elapsedTime,
        },
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
    const extra = EVENT_ROUTES.has(req.routeOptions.url ?? '') ? { ids: [] } : {};
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return replyError(reply, 413, `the request body is over ${maxRequestBytes} bytes`, extra);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return replyError(reply, err.statusCode, err.message, extra);
    if (err instanceof InvalidOptionError) return replyError(reply, 400, err.message, extra);
    req.log.error({ err, route: routeOf(req) }, 'request failed');
    return replyError(reply, 500, `internal error: ${err.message}`, extra);
  });
  app.setNotFoundHandler((req, reply) =>
    replyError(reply, 404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}`),
  );
}

/** The event routes: their error replies carry `ids: []`, as the SDK's send expects. */
const EVENT_ROUTES = new Set(['/e/:key', '/e']);

function routeOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? '(no route)'}`;
}
