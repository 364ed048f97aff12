import { SystemClock, type Clock } from '../core/clock.js';
import { DurqError, InvalidOptionError } from '../core/errors.js';
import { checkIntOption } from '../core/option-checks.js';
import { systemRandom, type Random } from '../core/random.js';
import { HttpDriver } from '../driver/driver.js';
import type { HttpTransport } from '../driver/http-transport.js';
import { UndiciTransport } from '../driver/undici-transport.js';
import { connectRedis } from '../redis/ioredis-transport.js';
import type { RedisTransport } from '../redis/transport.js';
import { createProcessor } from '../queue/processor/processor.js';
import { defaultLog, type Logger, type ProcessorOptions } from '../queue/processor/options.js';
import { Queue } from '../queue/queue.js';
import { QueueShard } from '../queue/shard.js';
import { RunStore } from '../state/run-store.js';
import { isOpen } from '../state/run.js';
import { cancelRun } from './cancel.js';
import { seedCronChains } from './cron.js';
import type { ExecutorContext } from './context.js';
import { DEFAULT_MAX_EVENT_BYTES } from './event.js';
import { getEvent, listEvents, type EventListQuery, type StoredEventView } from './event-list.js';
import { functionConcurrencyLimit } from './flow.js';
import type { FunctionDefinition } from './function-config.js';
import { executorHandler } from './handler.js';
import { queueDepth, redisReachable } from './health.js';
import { sendEvents } from './ingest.js';
import { Lifecycle, type LifecycleListener } from './lifecycle.js';
import { openTelemetryListener } from './otel-listener.js';
import { Registry } from './registry.js';
import { MAX_REQUEST_BODY_BYTES } from './request.js';
import { jobsOf, runData, type RunData, type RunJob } from './run-data.js';
import { toRunView, type RunView } from './run-view.js';

const DAY_MS = 24 * 3600 * 1000;

/** Options of createEngine; every one is checked, and a bad one is named. */
export interface EngineOptions {
  /** Redis: a `redis://` URL, or a transport you connected (closed by close() only if durq opened it). */
  redis: string | RedisTransport;
  /** Signs every request to the SDK apps (signed mode); without it, dev mode (unsigned). */
  signingKey?: string;
  /** Tried when an app answers 401 to the primary key (key rotation). */
  signingKeyFallback?: string;
  /** The account the engine's runs belong to (default 'default'). */
  accountId?: string;
  /** The queue shard (hash tag) holding the account's items and runs (default 'durq'). */
  shardName?: string;
  /** Clock-skew allowance between processes for leases, ms (default 0); see QueueShard. */
  graceMs?: number;
  /** Steps this process runs at once (default 100). */
  concurrency?: number;
  /** How long a finished run stays inspectable with getRun, ms (default 7 days). */
  retentionMs?: number;
  /** How long received events are kept, ms (default 7 days). */
  eventRetentionMs?: number;
  /** Largest event accepted by send(), bytes (default 512 KiB). */
  maxEventBytes?: number;
  /** Multiplies the retry backoff table (15 s, 30 s, 1 m, …) and its jitter (default 1). */
  backoffScale?: number;
  /** Longest wait for one SDK response, ms (default 15 min). */
  requestTimeoutMs?: number;
  /** Largest SDK response body read, bytes (default 8 MiB); a longer one fails the attempt. */
  maxResponseBytes?: number;
  /**
   * Largest SDK call body that carries the run's events and steps, bytes (default 4 MiB); a
   * larger one is sent with `use_api` instead, and the SDK fetches them from the server.
   */
  maxRequestBodyBytes?: number;
  /** Run steps in this process (default true); false makes an engine that only sends and reads. */
  process?: boolean;
  /** Lifecycle listeners (an OpenTelemetry one is added unless openTelemetry is false). */
  listeners?: LifecycleListener[];
  openTelemetry?: boolean;
  log?: Logger;
  /** Processor tuning (lease, scan); see ProcessorOptions. */
  processor?: Omit<ProcessorOptions, 'queue' | 'handler' | 'concurrency' | 'shards' | 'hooks'>;
  /** The HTTP seam (default: undici with a keep-alive pool per app origin). */
  httpTransport?: HttpTransport;
  clock?: Clock;
  random?: Random;
}

/** The engine: registry, events, runs, and (unless process: false) the steps of runs. */
export interface Engine {
  /** Syncs an app in band from its serve URL and registers its functions. */
  registerApp(url: string): Promise<{ appId: string; functions: string[]; modified: boolean }>;
  /**
   * Registers an app from a sync body it sent (`POST /fn/register`), served at `url`. A bad
   * config throws InvalidFunctionConfigError and registers nothing. `modified`: whether the
   * stored registration changed.
   */
  registerConfig(
    raw: unknown,
    url: string,
  ): Promise<{ appId: string; functions: string[]; modified: boolean }>;
  /** Sends one event or several; resolves to their internal IDs. Throws InvalidEventError. */
  send(events: unknown): Promise<{ ids: string[] }>;
  /** A run by ID, while it runs and for retentionMs after; null when unknown. */
  getRun(runId: string): Promise<RunView | null>;
  /** The runs an event started (by its internal ID, as send() answers): runId -> functionId. */
  runsOf(eventId: string): Promise<Record<string, string>>;
  /** Received events still kept, newest first (see EventListQuery). */
  listEvents(q?: EventListQuery): Promise<StoredEventView[]>;
  /** A received event by internal ID; null when unknown or no longer kept. */
  getEvent(internalId: string): Promise<StoredEventView | null>;
  /** A run's events and memo, as `use_api` fetches them; null when its state is gone. */
  runData(runId: string): Promise<RunData | null>;
  /** Up to 10 of the run's queue items, earliest due first, of its first 100 by ID. */
  jobsOf(runId: string): Promise<RunJob[]>;
  /** Whether Redis answers (within a second), and whether this engine is running steps. */
  health(): Promise<{ redis: boolean; processing: boolean }>;
  /** Items held per queue shard, by shard name. */
  queueDepth(): Promise<Record<string, number>>;
  /** Resolves once the run ended (or rejects after timeoutMs, default 60 s). */
  waitForRun(runId: string, opts?: { timeoutMs?: number; pollMs?: number }): Promise<RunView>;
  /** Cancels a run; false when it is unknown or already ended. */
  cancel(runId: string): Promise<boolean>;
  /** Stops processing (running steps finish or are requeued), then closes connections. */
  close(): Promise<void>;
}

/** The engine was closed: it takes no more calls. */
export class EngineClosedError extends DurqError {
  override name = 'EngineClosedError';

  constructor() {
    super('ENGINE_CLOSED', 'the engine is closed');
  }
}

/** waitForRun: the run did not end in time; `status` is the last one seen. */
export class RunWaitTimeoutError extends DurqError {
  override name = 'RunWaitTimeoutError';
  readonly runId: string;
  readonly status: string;

  constructor(runId: string, status: string) {
    super('RUN_WAIT_TIMEOUT', `run ${runId} did not end in time (last status: ${status})`);
    this.runId = runId;
    this.status = status;
  }
}

/** Starts an engine; `await createEngine({ redis: 'redis://localhost:6379' })`. */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const settings = checkEngineOptions(opts);
  const transport = typeof opts.redis === 'string' ? await connectRedis(opts.redis) : opts.redis;
  const ctx = buildContext(opts, settings, transport);
  const processor =
    opts.process === false
      ? null
      : await createProcessor({
          ...(opts.processor ?? {}),
          queue: ctx.queue,
          handler: executorHandler(ctx),
          // A function's own `concurrency` limit (no key), as this process last read it.
          limits: { function: functionLimits(ctx.registry, ctx.clock) },
          concurrency: settings.concurrency,
          backoffScale: settings.backoffScale,
          hooks: { log: ctx.log },
        });
  return engineApi(ctx, processor !== null, async () => {
    await processor?.close();
    await ctx.driver.close();
    if (typeof opts.redis === 'string') await transport.close();
  });
}

function buildContext(
  opts: EngineOptions,
  settings: EngineSettings,
  transport: RedisTransport,
): ExecutorContext {
  const clock = opts.clock ?? new SystemClock();
  const random = opts.random ?? systemRandom();
  const log = opts.log ?? defaultLog;
  const shard = new QueueShard({
    name: settings.shardName,
    transport,
    clock,
    random,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
  });
  const queue = new Queue({ shards: [shard], clock, random });
  const store = new RunStore(shard);
  const driver = new HttpDriver({
    transport: opts.httpTransport ?? new UndiciTransport(),
    clock,
    ...(opts.signingKey !== undefined ? { signingKey: opts.signingKey } : {}),
    ...(opts.signingKeyFallback !== undefined
      ? { signingKeyFallback: opts.signingKeyFallback }
      : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
  });
  const listeners = [...(opts.listeners ?? [])];
  if (opts.openTelemetry !== false) listeners.push(openTelemetryListener());
  return {
    queue,
    accountId: settings.accountId,
    store,
    registry: new Registry(store, driver),
    driver,
    clock,
    random,
    lifecycle: new Lifecycle(listeners, log),
    log,
    retentionMs: settings.retentionMs,
    eventRetentionMs: settings.eventRetentionMs,
    maxEventBytes: settings.maxEventBytes,
    maxRequestBodyBytes: settings.maxRequestBodyBytes,
  };
}

function engineApi(
  ctx: ExecutorContext,
  processes: boolean,
  shutdown: () => Promise<void>,
): Engine {
  let closed = false;
  const open = () => {
    if (closed) throw new EngineClosedError();
  };
  const engine: Engine = {
    async registerApp(url) {
      open();
      const app = await ctx.registry.registerApp(url);
      await seedCronChains(ctx, app.functions);
      return {
        appId: app.appId,
        functions: app.functions.map((f) => f.id),
        modified: app.modified,
      };
    },
    async send(events) {
      open();
      return { ids: await sendEvents(ctx, events) };
    },
    async getRun(runId) {
      open();
      const stored = await ctx.store.readRun(runId);
      return stored === null ? null : toRunView(stored);
    },
    async runsOf(eventId) {
      open();
      return await ctx.store.eventRuns(eventId);
    },
    ...serverApi(ctx, open),
    async health() {
      // Asked while shutting down too (a server answers 503 then), so it never throws.
      return { redis: await redisReachable(ctx), processing: processes && !closed };
    },
    async waitForRun(runId, o = {}) {
      const deadline = ctx.clock.now() + (o.timeoutMs ?? 60_000);
      for (;;) {
        const run = await engine.getRun(runId);
        if (run && !isOpen(run.status)) return run;
        if (ctx.clock.now() >= deadline)
          throw new RunWaitTimeoutError(runId, run?.status ?? 'unknown');
        await ctx.clock.sleep(o.pollMs ?? 20);
      }
    },
    async cancel(runId) {
      open();
      return await cancelRun(ctx, runId, 'api');
    },
    async close() {
      if (closed) return;
      closed = true;
      await shutdown();
    },
  };
  return engine;
}

/** What the HTTP server needs beyond the core calls; `open` throws once the engine closed. */
function serverApi(
  ctx: ExecutorContext,
  open: () => void,
): Pick<
  Engine,
  'registerConfig' | 'listEvents' | 'getEvent' | 'runData' | 'jobsOf' | 'queueDepth'
> {
  const guarded =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      open();
      return await call(...args);
    };
  return {
    registerConfig: guarded(async (raw: unknown, url: string) => {
      const app = await ctx.registry.registerConfig(raw, url);
      await seedCronChains(ctx, app.functions);
      const functions = app.functions.map((f) => f.id);
      return { appId: app.appId, functions, modified: app.modified };
    }),
    listEvents: guarded((q?: EventListQuery) => listEvents(ctx, q)),
    getEvent: guarded((internalId: string) => getEvent(ctx, internalId)),
    runData: guarded((runId: string) => runData(ctx, runId)),
    jobsOf: guarded((runId: string) => jobsOf(ctx, runId)),
    queueDepth: guarded(() => queueDepth(ctx)),
  };
}

interface EngineSettings {
  accountId: string;
  shardName: string;
  concurrency: number;
  retentionMs: number;
  eventRetentionMs: number;
  maxEventBytes: number;
  maxRequestBodyBytes: number;
  backoffScale: number;
}

function checkEngineOptions(opts: EngineOptions): EngineSettings {
  if (opts === null || typeof opts !== 'object')
    throw new InvalidOptionError('options', 'must be an object');
  const redis = opts.redis as unknown;
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis))
      throw new InvalidOptionError(
        'redis',
        `must be a redis:// URL or a transport, got ${JSON.stringify(redis)}`,
      );
  } else if (!redis || typeof (redis as RedisTransport).runScript !== 'function') {
    throw new InvalidOptionError('redis', 'must be a redis:// URL or a RedisTransport');
  }
  for (const key of ['signingKey', 'signingKeyFallback'] as const) {
    const v = opts[key] as unknown;
    if (v !== undefined && (typeof v !== 'string' || v.length === 0))
      throw new InvalidOptionError(key, 'must be a non-empty string');
  }
  if (opts.signingKeyFallback !== undefined && opts.signingKey === undefined)
    throw new InvalidOptionError('signingKeyFallback', 'needs signingKey');
  const s: EngineSettings = {
    accountId: opts.accountId ?? 'default',
    shardName: opts.shardName ?? 'durq',
    concurrency: opts.concurrency ?? 100,
    retentionMs: opts.retentionMs ?? 7 * DAY_MS,
    eventRetentionMs: opts.eventRetentionMs ?? 7 * DAY_MS,
    maxEventBytes: opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    maxRequestBodyBytes: opts.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES,
    backoffScale: opts.backoffScale ?? 1,
  };
  checkIntOption('concurrency', s.concurrency, 1);
  checkIntOption('retentionMs', s.retentionMs, 1);
  checkIntOption('eventRetentionMs', s.eventRetentionMs, 1);
  checkIntOption('maxEventBytes', s.maxEventBytes, 1);
  checkIntOption('maxRequestBodyBytes', s.maxRequestBodyBytes, 1);
  if (typeof s.backoffScale !== 'number' || !(s.backoffScale > 0))
    throw new InvalidOptionError('backoffScale', 'must be a positive number');
  for (const key of ['accountId', 'shardName'] as const)
    if (typeof s[key] !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(s[key]))
      throw new InvalidOptionError(key, 'must be 1 to 128 letters, digits, _ . or -');
  return s;
}

/**
 * A function's own limit as this process's registry copy holds it. A function the copy does not
 * hold (the process never read the registry, or read it before the function was registered) is
 * read first: the lease waits for it, so no lease goes out under a limit the process does not
 * know. A function a fresh read did not hold either is looked up again after
 * UNKNOWN_FUNCTION_RECHECK_MS (until then: no limit of its own; its items find no function).
 */
function functionLimits(
  registry: Registry,
  clock: Clock,
): (id: string) => number | undefined | Promise<number | undefined> {
  const missedAt = new Map<string, number>();
  const limitOf = (fn: FunctionDefinition | null) =>
    fn === null ? undefined : functionConcurrencyLimit(fn);
  return (id) => {
    const cached = registry.cached(id);
    if (cached !== null) return limitOf(cached);
    const missed = missedAt.get(id);
    if (missed !== undefined && clock.now() < missed + UNKNOWN_FUNCTION_RECHECK_MS)
      return undefined;
    return registry.get(id).then((fn) => {
      if (fn === null) missedAt.set(id, clock.now());
      else missedAt.delete(id);
      return limitOf(fn);
    });
  };
}

/** How long a function a fresh registry read did not hold is taken as unregistered, ms. */
const UNKNOWN_FUNCTION_RECHECK_MS = 1_000;
