/**
 * npm run bench: durq side by side with BullMQ on the same private redis-server.
 * So far: the drain workload.
 * Usage: npm run bench -- [--items N] [--concurrency 10,100] [--quick] [--json]
 */
import { arch, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startBenchRedis } from './harness/redis.js';
import { countRoundTrips } from './harness/round-trips.js';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { durqDrain, type DrainOptions, type DrainResult } from './workloads/drain.js';

type PeerDrain = (url: string, o: DrainOptions) => Promise<DrainResult>;

/** BullMQ is installed on demand (see bench/peers/bullmq.ts for why it is not a dependency). */
async function loadBullmq(log: (s: string) => void): Promise<PeerDrain> {
  // Check first: Node caches a failed import, so it could not be retried after installing.
  try {
    createRequire(import.meta.url).resolve('bullmq');
  } catch {
    log('installing bullmq@6.7.0 for the comparison (npm install --no-save)');
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', 'bullmq@6.7.0'], {
      stdio: 'ignore',
    });
  }
  const peer = './peers/bullmq.js'; // not a literal: the typecheck must not need BullMQ's types
  return ((await import(peer)) as { bullmqDrain: PeerDrain }).bullmqDrain;
}

const { values } = parseArgs({
  options: {
    items: { type: 'string' },
    concurrency: { type: 'string', default: '10,100' },
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const items = Number(values.items ?? (values.quick ? 20_000 : 100_000));
const concurrencies = values.concurrency.split(',').map(Number);
if (!Number.isSafeInteger(items) || items < 1)
  throw new Error(`--items takes a positive integer, got ${values.items}`);
if (concurrencies.some((c) => !Number.isSafeInteger(c) || c < 1))
  throw new Error(`--concurrency takes integers, got ${values.concurrency}`);

countRoundTrips();
const redis = await startBenchRedis();
const admin = new Redis(redis.url);
const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1];
admin.disconnect();
const log = (s: string) => (values.json ? process.stderr : process.stdout).write(s + '\n');
log(
  `drain: ${items} no-op items; 100 functions in 10 accounts (durq, function limit 50) vs one BullMQ queue; ${redis.pinning}`,
);
const bullmqDrain = await loadBullmq(log);
const results: DrainResult[] = [];
try {
  for (const concurrency of concurrencies) {
    for (const run of [durqDrain, bullmqDrain]) {
      const r = await run(redis.url, {
        items,
        concurrency,
        functions: 100,
        accounts: 10,
        functionLimit: 50,
      });
      results.push(r);
      log(
        `${r.system.padEnd(7)} ${r.setting.padEnd(32)} ${String(r.itemsPerSec).padStart(7)} items/s  ` +
          `redis ${r.redisUsPerItem} µs/item (scripts ${r.scriptUsPerItem})  ${r.roundTripsPerItem} cmds/item  ` +
          `dup ${r.duplicates} lost ${r.lost}`,
      );
    }
    const d = results.at(-2)!;
    const b = results.at(-1)!;
    log(
      `  durq/BullMQ at concurrency ${concurrency}: ${(d.itemsPerSec / b.itemsPerSec).toFixed(2)}x items/s, ${(d.redisUsPerItem / b.redisUsPerItem).toFixed(2)}x Redis µs/item`,
    );
  }
} finally {
  await redis.stop();
}
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  arch: arch(),
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  redis: redisVersion,
  pinning: redis.pinning,
};
if (values.json) process.stdout.write(JSON.stringify({ machine, results }) + '\n');
