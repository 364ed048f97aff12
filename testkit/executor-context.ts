import {
  HttpDriver,
  Lifecycle,
  ManualClock,
  Queue,
  QueueShard,
  Registry,
  RunStore,
  seededRandom,
  type ExecutorContext,
  type HttpTransport,
  type IoredisTransport,
  type LifecycleListener,
} from '../src/internal.js';
import { T0 } from './redis-fixture.js';

/** An SDK seam for tests that call no app: every request fails, naming why. */
export const NO_APP: HttpTransport = {
  send: () => Promise.reject(new Error('no app in this test')),
  close: async () => {},
};

/**
 * The executor's context on a fresh shard, as the engine builds it, on a manual clock at T0:
 * for tests and properties that drive the executor's parts directly (no processor).
 */
export function executorContext(opts: {
  name: string;
  transport: IoredisTransport;
  seed: number;
  /** Default: NO_APP. */
  http?: HttpTransport;
  listeners?: LifecycleListener[];
  /** Run and event retention, ms (default an hour). */
  retentionMs?: number;
}): { ctx: ExecutorContext; shard: QueueShard; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const random = seededRandom(opts.seed);
  const shard = new QueueShard({ name: opts.name, transport: opts.transport, clock, random });
  const queue = new Queue({ shards: [shard], clock, random });
  const store = new RunStore(shard);
  const driver = new HttpDriver({ transport: opts.http ?? NO_APP, clock });
  const log = () => {};
  const retentionMs = opts.retentionMs ?? 3_600_000;
  const ctx: ExecutorContext = {
    queue,
    accountId: 'default',
    store,
    registry: new Registry(store, driver),
    driver,
    clock,
    random,
    lifecycle: new Lifecycle(opts.listeners ?? [], log),
    log,
    retentionMs,
    eventRetentionMs: retentionMs,
    maxEventBytes: 512 * 1024,
    maxRequestBodyBytes: 4 * 1024 * 1024,
  };
  return { ctx, shard, clock };
}
