/**
 * Enqueue→handler-start latency on an idle processor: sparse enqueues, one at a time, each
 * waited for before the next (after a random 5–20 ms pause). Starts its own redis-server unless
 * --redis URL is given.  Usage: npm run bench:idle-latency -- [--count N] [--redis URL]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  connectRedis,
  createProcessor,
  Queue,
  QueueShard,
  seededRandom,
  SystemClock,
} from '../src/index.js';
import { startRedisServer } from '../testkit/redis-server.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, redis: { type: 'string' } },
});
const count = Number(values.count);
if (!Number.isSafeInteger(count) || count < 1)
  throw new Error(`--count must be a positive integer, got ${values.count}`);

const server = values.redis ? null : await startRedisServer();
const url = values.redis ?? server!.url;
const transport = await connectRedis(url);
const clock = new SystemClock();
const random = seededRandom(42);
const shard = new QueueShard({ name: `idle-latency-${process.pid}`, transport, clock, random });
const queue = new Queue({ shards: [shard], clock, random });
let started: (() => void) | null = null;
const processor = await createProcessor({ queue, handler: async () => started?.() });

const latencies: number[] = [];
for (let i = 0; i < count; i++) {
  await new Promise((r) => setTimeout(r, 5 + random.int(16)));
  const begin = performance.now();
  const running = new Promise<void>((resolve) => (started = resolve));
  await queue.enqueue({ kind: 'edge', accountId: `a${i % 10}`, functionId: `f${i % 50}` });
  await running;
  latencies.push(performance.now() - begin);
  if ((i + 1) % 200 === 0) process.stderr.write(`  ${i + 1}/${count}\n`);
}
await processor.close();
await transport.close();
await server?.stop();

latencies.sort((a, b) => a - b);
const at = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
console.log(
  `idle enqueue→start over ${count} sparse enqueues: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
);
