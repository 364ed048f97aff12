import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import {
  ManualClock,
  Queue,
  QueueShard,
  connectRedis,
  seededRandom,
  type IoredisTransport,
  type QueueShardOptions,
} from '../src/internal.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

export const T0 = 1_700_000_000_000;

export interface RedisHandle {
  server: RedisServer;
  transport: IoredisTransport;
  /** A plain client for inspecting state. */
  raw: Redis;
}

/** Starts one private redis-server for the test file (or uses REDIS_URL) and stops it after. */
export function useRedis(): RedisHandle {
  const handle = {} as RedisHandle;
  beforeAll(async () => {
    handle.server = await startRedisServer();
    handle.transport = await connectRedis(handle.server.url);
    handle.raw = new Redis(handle.server.url);
  });
  afterAll(async () => {
    handle.raw?.disconnect();
    await handle.transport?.close();
    await handle.server?.stop();
  });
  return handle;
}

let shardCounter = 0;

/** A fresh shard (its own hash tag, so tests never share keys), a manual clock and a queue. */
export function freshQueue(
  redis: RedisHandle,
  opts: Partial<Omit<QueueShardOptions, 'transport' | 'clock' | 'random'>> & { seed?: number } = {},
): { clock: ManualClock; shard: QueueShard; queue: Queue } {
  const clock = new ManualClock(T0);
  const random = seededRandom(opts.seed ?? 1);
  const name = opts.name ?? `t${process.pid}-${++shardCounter}`;
  const shard = new QueueShard({ ...opts, name, transport: redis.transport, clock, random });
  const queue = new Queue({ shards: [shard], clock, random });
  return { clock, shard, queue };
}
