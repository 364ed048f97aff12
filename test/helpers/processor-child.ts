/**
 * A processor in its own process, for multi-process tests.
 * argv: <redis url> <shard name> <concurrency> <record|hang> <leaseMs>
 * record: each handler RPUSHes its item ID to `{shard}:test:done` (test-owned key).
 * hang: handlers never finish (the process holds its leases until it is killed).
 * Prints "ready" once started; SIGTERM closes it gracefully.
 */
import { Redis } from 'ioredis';
import { SystemClock } from '../../src/core/clock.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { systemRandom } from '../../src/core/random.js';
import { connectRedis } from '../../src/redis/ioredis-transport.js';

const [url, shardName, concurrency, mode, leaseMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const transport = await connectRedis(url);
const recorder = new Redis(url);
const clock = new SystemClock();
const random = systemRandom();
const shard = new QueueShard({ name: shardName, transport, clock, random });
const queue = new Queue({ shards: [shard], clock, random });
const doneKey = `{${shardName}}:test:done`;
const processor = await createProcessor({
  queue,
  concurrency: Number(concurrency),
  leaseMs: Number(leaseMs),
  scavenger: { intervalMs: 250 },
  handler: async (item, { signal }) => {
    if (mode === 'hang') {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return;
    }
    await recorder.rpush(doneKey, item.id);
  },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void processor.close(5000).then(async () => {
    recorder.disconnect();
    await transport.close();
    process.exit(0);
  });
});
