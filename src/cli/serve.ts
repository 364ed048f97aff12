import { SystemClock } from '../core/clock.js';
import { DurqError } from '../core/errors.js';
import { createEngine, type Engine } from '../executor/engine.js';
import { connectCluster, connectRedis } from '../redis/ioredis-transport.js';
import type { RedisTransport } from '../redis/transport.js';
import { startAppDiscovery } from '../server/app-discovery.js';
import { ServerMetrics } from '../server/metrics.js';
import { buildServer, type DurqServer } from '../server/server.js';
import { banner } from './banner.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { createLogger, engineLogger } from './logger.js';
import type { ServeConfig } from './serve-config.js';
import { EXIT } from './usage.js';

const REDIS_CONNECT_TIMEOUT_MS = 10_000;

/**
 * `durq serve`: storage (embedded redis-server or the user's Redis), the engine, the HTTP
 * server and app discovery, until SIGTERM or SIGINT. Then: new requests get 503, running SDK
 * calls finish (up to --shutdown-timeout; the rest are requeued), connections close, the
 * embedded Redis stops cleanly. Resolves to the exit code.
 */
export async function runServe(cfg: ServeConfig, version: string): Promise<number> {
  const log = createLogger(cfg.logLevel);
  const clock = new SystemClock();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'shutdown step failed');
      }
    }
  };
  const fail = async (message: string, err?: unknown) => {
    log.error({ err }, message);
    process.stderr.write(
      `durq serve: ${message}${err instanceof Error ? `: ${err.message}` : ''}\n`,
    );
    await stopAll();
    log.flush();
    return EXIT.failed;
  };

  let embedded: EmbeddedRedis | null = null;
  let transport: RedisTransport;
  try {
    if (cfg.storage.kind === 'embedded') {
      embedded = await startEmbeddedRedis({ dataDir: cfg.storage.dataDir, clock });
      const redis = embedded;
      stops.push(() => redis.stop());
      log.info({ pid: redis.pid, dataDir: redis.dataDir }, 'embedded redis-server started');
    }
    transport = await withTimeout(
      connect(cfg, embedded),
      REDIS_CONNECT_TIMEOUT_MS,
      clock,
      `Redis did not answer within ${REDIS_CONNECT_TIMEOUT_MS} ms`,
    );
    const t = transport;
    stops.push(() => t.close());
  } catch (err) {
    return await fail('cannot reach Redis', err);
  }

  let engine: Engine;
  const metrics = new ServerMetrics(() => engine.queueDepth());
  try {
    engine = await createEngine({
      redis: transport,
      clock,
      concurrency: cfg.concurrency,
      backoffScale: cfg.backoffScale,
      maxEventBytes: cfg.maxEventBytes,
      process: cfg.role !== 'api',
      log: engineLogger(log),
      listeners: [metrics.listener()],
      processor: { shutdownTimeoutMs: cfg.shutdownTimeout, leaseMs: cfg.leaseTimeout },
      ...(cfg.signingKey !== undefined ? { signingKey: cfg.signingKey } : {}),
      ...(cfg.signingKeyFallback !== undefined
        ? { signingKeyFallback: cfg.signingKeyFallback }
        : {}),
    });
    const e = engine;
    stops.push(() => e.close());
  } catch (err) {
    return await fail('cannot start the engine', err);
  }

  let server: DurqServer | null = null;
  let url: string | null = null;
  if (cfg.port !== null) {
    server = buildServer({
      engine,
      metrics,
      logger: log,
      clock,
      accountId: 'default',
      role: cfg.role,
      maxRequestBytes: cfg.maxRequestBytes,
      ...(cfg.production
        ? {
            signingKeys: [cfg.signingKey, cfg.signingKeyFallback].filter(
              (k): k is string => k !== undefined,
            ),
            eventKeys: cfg.eventKeys,
          }
        : {}),
    });
    try {
      url = await server.listen(cfg.host, cfg.port);
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      return await fail(
        inUse
          ? `port ${cfg.port} on ${cfg.host} is in use (another durq or Inngest dev server?); choose another with --port`
          : `cannot listen on ${cfg.host}:${cfg.port}`,
        err,
      );
    }
    const s = server;
    // Closed after the engine stopped (stops run in reverse): the API answers 503 meanwhile.
    stops.splice(stops.length - 1, 0, () => s.close());
  }

  const discovery =
    cfg.sdkUrls.length > 0
      ? startAppDiscovery({
          urls: cfg.sdkUrls,
          engine,
          clock,
          log: (level, message, fields) => log[level](fields, message),
        })
      : null;
  if (discovery) stops.push(() => discovery.stop());

  process.stderr.write(banner(cfg, url, version));
  log.info({ url, role: cfg.role, production: cfg.production }, 'durq serve ready');

  const signal = await untilSignal();
  log.info({ signal, timeoutMs: cfg.shutdownTimeout }, 'shutting down');
  process.stderr.write(`durq: ${signal} received, shutting down\n`);
  server?.drain();
  await stopAll();
  log.info('stopped');
  log.flush();
  return EXIT.ok;
}

async function connect(cfg: ServeConfig, embedded: EmbeddedRedis | null): Promise<RedisTransport> {
  if (embedded !== null) return await connectRedis(embedded.url);
  if (cfg.storage.kind === 'redis') return await connectRedis(cfg.storage.url);
  if (cfg.storage.kind === 'cluster') return await connectCluster(cfg.storage.nodes);
  return await connectRedis('redis://127.0.0.1:6379');
}

/** The first SIGTERM or SIGINT; a second one while shutting down exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', first);
      process.off('SIGINT', first);
      process.once('SIGTERM', () => process.exit(EXIT.failed));
      process.once('SIGINT', () => process.exit(EXIT.failed));
      resolve(signal);
    };
    process.on('SIGTERM', first);
    process.on('SIGINT', first);
  });
}

async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  clock: SystemClock,
  message: string,
): Promise<T> {
  const ac = new AbortController();
  try {
    return await Promise.race([
      p,
      clock.sleep(ms, ac.signal).then(() => {
        if (!ac.signal.aborted) throw new RedisUnreachableError(message);
        return p;
      }),
    ]);
  } finally {
    ac.abort();
  }
}

/** Redis did not answer at start-up. */
export class RedisUnreachableError extends DurqError {
  override name = 'RedisUnreachableError';

  constructor(message: string) {
    super('REDIS_UNREACHABLE', message);
  }
}
