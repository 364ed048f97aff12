import type { Logger as Pino } from 'pino';
import { SystemClock, TIMED_OUT, within } from '../core/clock.js';
import { DurqError } from '../core/errors.js';
import { createEngine, type Engine } from '../executor/engine.js';
import { connectCluster, connectRedis } from '../redis/ioredis-transport.js';
import type { RedisTransport } from '../redis/transport.js';
import { startAppDiscovery } from '../server/app-discovery.js';
import { ServerMetrics } from '../server/metrics.js';
import { buildServer, type DurqServer } from '../server/server.js';
import { banner } from './banner.js';
import { startEmbeddedRedis } from './embedded-redis.js';
import { createLogger, engineLogger } from './logger.js';
import type { ServeConfig } from './serve-config.js';
import { EXIT } from './usage.js';

const REDIS_CONNECT_TIMEOUT_MS = 10_000;
const FIRST_SYNC_WAIT_MS = 10_000;
/** Beyond --shutdown-timeout: closing connections and stopping Redis. */
const SHUTDOWN_MARGIN_MS = 20_000;

/** Redis did not answer at start-up. */
export class RedisUnreachableError extends DurqError {
  override name = 'RedisUnreachableError';

  constructor(message: string) {
    super('REDIS_UNREACHABLE', message);
  }
}

/** What was started, stopped in the reverse order (each step logged if it fails). */
class Stops {
  private readonly steps: (() => Promise<void>)[] = [];

  constructor(private readonly log: Pino) {}

  push(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err }, 'shutdown step failed');
      }
    }
  }
}

/**
 * `durq serve`: storage (embedded redis-server or the user's Redis), the engine, the HTTP
 * server and app discovery, until SIGTERM or SIGINT. Then: new requests get 503, running SDK
 * calls finish (up to --shutdown-timeout; the rest are requeued), connections close, the
 * embedded Redis stops cleanly. Resolves to the exit code.
 */
export async function runServe(cfg: ServeConfig, version: string): Promise<number> {
  const log = createLogger(cfg.logLevel);
  const clock = new SystemClock();
  const stops = new Stops(log);
  // From the first moment: a signal during start-up stops what was started so far.
  const signals = new Signals();
  const fail = async (message: string, err: unknown) => {
    log.error({ err }, message);
    process.stderr.write(`durq serve: ${message}: ${(err as Error).message}\n`);
    await stops.run();
    log.flush();
    return EXIT.failed;
  };

  let transport: RedisTransport;
  try {
    transport = await openStorage(cfg, clock, log, stops);
  } catch (err) {
    return await fail('cannot reach Redis', err);
  }
  let engine: Engine;
  const metrics = new ServerMetrics(() => engine.queueDepth());
  try {
    engine = await startEngine(cfg, transport, clock, log, metrics);
  } catch (err) {
    return await fail('cannot start the engine', err);
  }
  const stopEngine = () => engine.close();
  let server: DurqServer | null = null;
  let url: string | null = null;
  if (cfg.port !== null && signals.received === null) {
    server = httpServer(cfg, engine, metrics, clock, log);
    try {
      url = await server.listen(cfg.host, cfg.port);
    } catch (err) {
      await stopEngine();
      return await fail(listenProblem(cfg, err), err);
    }
    const s = server;
    stops.push(() => s.close()); // after the engine stopped: the API answers 503 meanwhile
  }
  stops.push(stopEngine);
  if (cfg.sdkUrls.length > 0 && signals.received === null) {
    const discovery = startAppDiscovery({
      urls: cfg.sdkUrls,
      engine,
      clock,
      log: (level, message, fields) => log[level](fields, message),
    });
    stops.push(() => discovery.stop());
    // One sync attempt per app before "ready" (bounded: a hung app does not hold the start-up),
    // so that an event sent then finds its functions.
    await within(clock, FIRST_SYNC_WAIT_MS, Promise.race([discovery.firstAttempts, signals.next]));
  }

  if (signals.received === null) {
    process.stderr.write(banner(cfg, url, version));
    log.info({ url, role: cfg.role, production: cfg.production }, 'durq serve ready');
  }
  const signal = await signals.next;
  log.info({ signal, timeoutMs: cfg.shutdownTimeout }, 'shutting down');
  process.stderr.write(`durq: ${signal} received, shutting down\n`);
  server?.drain();
  const deadlineMs = cfg.shutdownTimeout + SHUTDOWN_MARGIN_MS;
  const done = (await within(clock, deadlineMs, stops.run())) !== TIMED_OUT;
  if (!done) log.error({ afterMs: deadlineMs }, 'shutdown overran');
  else log.info('stopped');
  log.flush();
  return done ? EXIT.ok : EXIT.failed;
}

/**
 * SIGTERM and SIGINT, watched from the start: `next` resolves with the first one; a second one
 * while shutting down exits at once.
 */
class Signals {
  received: NodeJS.Signals | null = null;
  readonly next: Promise<NodeJS.Signals>;

  constructor() {
    this.next = new Promise((resolve) => {
      const first = (signal: NodeJS.Signals) => {
        process.off('SIGTERM', first);
        process.off('SIGINT', first);
        process.once('SIGTERM', () => process.exit(EXIT.failed));
        process.once('SIGINT', () => process.exit(EXIT.failed));
        this.received = signal;
        resolve(signal);
      };
      process.on('SIGTERM', first);
      process.on('SIGINT', first);
    });
  }
}

async function openStorage(
  cfg: ServeConfig,
  clock: SystemClock,
  log: Pino,
  stops: Stops,
): Promise<RedisTransport> {
  let url: string | null = cfg.storage.kind === 'redis' ? cfg.storage.url : null;
  if (cfg.storage.kind === 'embedded') {
    const redis = await startEmbeddedRedis({ dataDir: cfg.storage.dataDir, clock });
    stops.push(() => redis.stop());
    log.info({ redisPid: redis.pid, dataDir: redis.dataDir }, 'embedded redis-server started');
    url = redis.url;
  }
  let lastError = '';
  const onError = (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'Redis connection error');
    lastError = err.message;
  };
  const connecting =
    url !== null
      ? connectRedis(url, {}, onError)
      : connectCluster(cfg.storage.kind === 'cluster' ? cfg.storage.nodes : [], {}, onError);
  const transport = await within(clock, REDIS_CONNECT_TIMEOUT_MS, connecting);
  if (transport === TIMED_OUT)
    throw new RedisUnreachableError(`Redis did not answer within ${REDIS_CONNECT_TIMEOUT_MS} ms`);
  stops.push(() => transport.close());
  return transport;
}

function startEngine(
  cfg: ServeConfig,
  transport: RedisTransport,
  clock: SystemClock,
  log: Pino,
  metrics: ServerMetrics,
): Promise<Engine> {
  return createEngine({
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
    ...(cfg.signingKeyFallback !== undefined ? { signingKeyFallback: cfg.signingKeyFallback } : {}),
  });
}

function httpServer(
  cfg: ServeConfig,
  engine: Engine,
  metrics: ServerMetrics,
  clock: SystemClock,
  log: Pino,
): DurqServer {
  const signingKeys = [cfg.signingKey, cfg.signingKeyFallback].filter(
    (k): k is string => k !== undefined,
  );
  return buildServer({
    engine,
    metrics,
    logger: log,
    clock,
    accountId: 'default',
    role: cfg.role,
    maxRequestBytes: cfg.maxRequestBytes,
    ...(cfg.production ? { signingKeys, eventKeys: cfg.eventKeys } : {}),
  });
}

function listenProblem(cfg: ServeConfig, err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
    ? `port ${cfg.port} on ${cfg.host} is in use (another durq or Inngest dev server?); choose another with --port`
    : `cannot listen on ${cfg.host}:${cfg.port}`;
}
