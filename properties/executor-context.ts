import type { Redis } from 'ioredis';
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
import { T0 } from '../testkit/redis-fixture.js';

/** The executor's context on a fresh shard, as the engine builds it. */
export function executorContext(opts: {
  name: string;
  transport: IoredisTransport;
  http: HttpTransport;
  seed: number;
  listeners?: LifecycleListener[];
}): { ctx: ExecutorContext; shard: QueueShard; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const random = seededRandom(opts.seed);
  const shard = new QueueShard({ name: opts.name, transport: opts.transport, clock, random });
  const queue = new Queue({ shards: [shard], clock, random });
  const store = new RunStore(shard);
  const driver = new HttpDriver({ transport: opts.http, clock });
  const log = () => {};
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
    retentionMs: 3_600_000,
    eventRetentionMs: 3_600_000,
    maxEventBytes: 512 * 1024,
    maxRequestBodyBytes: 4 * 1024 * 1024,
  };
  return { ctx, shard, clock };
}

/**
 * Everything on a shard (its keys share the hash tag `{<shard>}`), by key: type and contents in
 * a canonical form, to tell whether a call wrote anything.
 */
export async function dumpShard(raw: Redis, shard: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await raw.scan(cursor, 'MATCH', `{${shard}}:*`, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await raw.type(key);
    if (type === 'hash') out[key] = sortedEntries(await raw.hgetall(key));
    else if (type === 'list') out[key] = await raw.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await raw.smembers(key)).sort();
    else if (type === 'zset') out[key] = await raw.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'string') out[key] = await raw.get(key);
    else if (type !== 'none') out[key] = `(${type})`;
  }
  return out;
}

function sortedEntries(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
