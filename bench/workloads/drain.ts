import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  connectRedis,
  createProcessor,
  Queue,
  QueueShard,
  seededRandom,
  SystemClock,
  type EnqueueInput,
} from '../../src/index.js';
import { costSince, resetServerStats, serverCost } from '../harness/redis.js';
import { commandsSent } from '../harness/round-trips.js';

export interface DrainOptions {
  items: number;
  concurrency: number;
  functions: number;
  accounts: number;
  /** Per-function concurrency limit (durq); BullMQ has none per function. */
  functionLimit: number;
}

export interface DrainResult {
  workload: 'drain';
  system: 'durq' | 'bullmq';
  setting: string;
  items: number;
  itemsPerSec: number;
  /** Redis process CPU per item, µs (INFO cpu). */
  redisUsPerItem: number;
  /** Time inside scripts per item, µs (INFO commandstats). */
  scriptUsPerItem: number;
  scriptCallsPerItem: number;
  /** Commands the clients sent per item (an upper bound on round trips). */
  roundTripsPerItem: number;
  duplicates: number;
  lost: number;
  wallMs: number;
}

function tally(counts: Uint8Array): { duplicates: number; lost: number } {
  let duplicates = 0;
  let lost = 0;
  for (const c of counts) {
    if (c === 0) lost++;
    if (c > 1) duplicates += c - 1;
  }
  return { duplicates, lost };
}

export async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** durq: preload no-op items over functions and accounts, then drain them with one processor. */
export async function durqDrain(url: string, o: DrainOptions): Promise<DrainResult> {
  const transport = await connectRedis(url);
  const admin = new Redis(url);
  const clock = new SystemClock();
  const random = seededRandom(1);
  const shard = new QueueShard({ name: 'bench', transport, clock, random });
  const queue = new Queue({ shards: [shard], clock, random });
  const inputs: EnqueueInput[] = Array.from({ length: o.items }, (_, i) => ({
    id: String(i),
    kind: 'edge',
    accountId: `acct${i % o.accounts}`,
    functionId: `fn${i % o.functions}`,
  }));
  for (let i = 0; i < inputs.length; i += 1000)
    await Promise.all(inputs.slice(i, i + 1000).map((x) => queue.enqueue(x)));
  const counts = new Uint8Array(o.items);
  let done = 0;
  const before = await resetServerStats(admin);
  const sent0 = commandsSent();
  const t0 = performance.now();
  const processor = await createProcessor({
    queue,
    concurrency: o.concurrency,
    limits: { function: () => o.functionLimit, account: () => 1_000_000 },
    hooks: { log: () => {} },
    handler: async (item) => {
      counts[Number(item.id)]!++;
      done++;
    },
  });
  await waitFor(() => done >= o.items, 600_000);
  const wallMs = performance.now() - t0;
  await processor.close();
  const cost = costSince(before, await serverCost(admin));
  const sent = commandsSent() - sent0;
  await admin.flushdb(); // the benchmark's own server
  admin.disconnect();
  await transport.close();
  return result(
    'durq',
    `concurrency ${o.concurrency}, fn limit ${o.functionLimit}`,
    o.items,
    wallMs,
    cost,
    sent,
    counts,
  );
}

export function result(
  system: 'durq' | 'bullmq',
  setting: string,
  items: number,
  wallMs: number,
  cost: { cpuUs: number; scriptUs: number; scriptCalls: number },
  sent: number,
  counts: Uint8Array,
): DrainResult {
  const { duplicates, lost } = tally(counts);
  return {
    workload: 'drain',
    system,
    setting,
    items,
    itemsPerSec: Math.round((items / wallMs) * 1000),
    redisUsPerItem: round(cost.cpuUs / items),
    scriptUsPerItem: round(cost.scriptUs / items),
    scriptCallsPerItem: round(cost.scriptCalls / items),
    roundTripsPerItem: round(sent / items),
    duplicates,
    lost,
    wallMs: Math.round(wallMs),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
