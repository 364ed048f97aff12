import { Redis } from 'ioredis';
import {
  connectRedis,
  Queue,
  QueueShard,
  seededRandom,
  SystemClock,
  type EnqueueInput,
  type IoredisTransport,
  type PartitionRef,
  type QueueItem,
  type Random,
} from '../../src/index.js';
import { ProbeTransport } from './probe.js';

/** Ready items each benchmark's own partition holds throughout (lease-type calls take these). */
export const BASE_ITEMS = 100;
/** The account of every benchmark partition (in the 10k setting, one of the preload's). */
export const TARGET_ACCOUNT = 'acct0';
export const PRELOAD_ACCOUNTS = 100;
/** The processor's default concurrency limits, so lease scripts count in-progress sets. */
export const LIMITS = { account: 1000, function: 1000 };
export const LEASE_MS = 30_000;

/** Connections and the key namespace of one runMicro call. */
export interface Env {
  admin: Redis;
  transport: IoredisTransport;
  probe: ProbeTransport;
  clock: SystemClock;
  random: Random;
  /** Prefix of every shard name this run creates (its keys are dropped at the end). */
  runId: string;
}

export async function openEnv(url: string): Promise<Env> {
  const admin = new Redis(url);
  const transport = await connectRedis(url);
  const probe = new ProbeTransport(transport, admin);
  const runId = `micro-${Date.now().toString(36)}`;
  return { admin, transport, probe, clock: new SystemClock(), random: seededRandom(1), runId };
}

/** Drops this run's keys (only those: the server may hold others') and closes the connections. */
export async function closeEnv(env: Env): Promise<void> {
  const stream = env.admin.scanStream({ match: `{${env.runId}-*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    if (keys.length > 0) await env.admin.unlink(...keys);
  }
  await env.transport.close();
  env.admin.disconnect();
}

function queueOf(env: Env, shardName: string): { shard: QueueShard; queue: Queue } {
  const { probe: transport, clock, random } = env;
  const shard = new QueueShard({ name: shardName, transport, clock, random });
  return { shard, queue: new Queue({ shards: [shard], clock, random }) };
}

async function enqueueAll(queue: Queue, inputs: readonly EnqueueInput[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 1000) {
    const chunk = inputs.slice(i, i + 1000);
    const results = await Promise.all(chunk.map((x) => queue.enqueue(x)));
    if (results.some((r) => r.status !== 'enqueued')) throw new Error('preload: enqueue refused');
  }
}

/** One ready item in each of `partitions` function partitions, spread over PRELOAD_ACCOUNTS. */
export async function preload(env: Env, shardName: string, partitions: number): Promise<void> {
  const { queue } = queueOf(env, shardName);
  const inputs = Array.from({ length: partitions }, (_, i): EnqueueInput => ({
    kind: 'edge',
    accountId: `acct${i % PRELOAD_ACCOUNTS}`,
    functionId: `fn${i}`,
    payload: { n: i },
  }));
  await enqueueAll(queue, inputs);
}

/** One benchmark's partition and the helpers its hooks use to set up state. */
export interface Target {
  shard: QueueShard;
  partition: PartitionRef;
  /** A new item for the partition, not yet enqueued. */
  fresh(): QueueItem;
  /** The next of the partition's BASE_ITEMS, round robin (ready unless a hook holds it). */
  next(): QueueItem;
  enqueue(item: QueueItem): Promise<void>;
  /** Leases an item (throws on a refusal) and returns the lease ID. */
  lease(item: QueueItem, durationMs?: number): Promise<string>;
  /** Hands a leased item back to the ready set, due now, without counting an attempt. */
  release(item: QueueItem, leaseId: string): Promise<void>;
  /** Removes an item that is not leased. */
  cancel(item: QueueItem): Promise<void>;
}

/** A partition of `functionId` in shard `shardName`, holding BASE_ITEMS ready items. */
export async function makeTarget(env: Env, shardName: string, functionId: string): Promise<Target> {
  const { shard, queue } = queueOf(env, shardName);
  let n = 0;
  let ring = 0;
  const fresh = (): QueueItem =>
    queue.buildItem({ kind: 'edge', accountId: TARGET_ACCOUNT, functionId, payload: { n: n++ } });
  const base = Array.from({ length: BASE_ITEMS }, fresh);
  const first = base[0] as QueueItem;
  const partition: PartitionRef = {
    id: first.partitionId,
    accountId: TARGET_ACCOUNT,
    functionId,
  };
  const t: Target = {
    shard,
    partition,
    fresh,
    next: () => base[ring++ % BASE_ITEMS] as QueueItem,
    enqueue: async (item) => check('enqueue', (await shard.enqueue(item)).status === 'enqueued'),
    lease: async (item, durationMs = LEASE_MS) => {
      const r = await shard.lease(item, { durationMs, limits: LIMITS });
      if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
      return r.leaseId;
    },
    release: async (item, leaseId) => {
      const r = await shard.requeue(item, leaseId, { at: env.clock.now(), consumeAttempt: false });
      check('release', r.ok);
    },
    cancel: async (item) => check('cancel', (await shard.dequeue(item, null)).ok),
  };
  await Promise.all(base.map((item) => t.enqueue(item)));
  return t;
}

export function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`${what}: unexpected result`);
}
