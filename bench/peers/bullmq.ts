/**
 * BullMQ's side of the drain. BullMQ is not a dependency of durq: this registry lacks its
 * optional native packages for other platforms, so a lockfile holding it fails `npm ci`.
 * `npm run bench` installs it on demand (`npm install --no-save bullmq@6.7.0`), and this file
 * is excluded from the typecheck.
 */
import { performance } from 'node:perf_hooks';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { costSince, resetServerStats, serverCost } from '../harness/redis.js';
import { commandsSent } from '../harness/round-trips.js';
import { result, waitFor, type DrainOptions, type DrainResult } from '../workloads/drain.js';

/** BullMQ: the same number of no-op jobs in one queue, drained by one Worker. */
export async function bullmqDrain(url: string, o: DrainOptions): Promise<DrainResult> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const admin = new Redis(url);
  const queue = new BullQueue('drain', { connection });
  for (let i = 0; i < o.items; i += 1000) {
    const jobs = [];
    for (let j = i; j < Math.min(o.items, i + 1000); j++)
      jobs.push({
        name: 'job',
        data: { i: j },
        opts: { removeOnComplete: true, removeOnFail: true },
      });
    await queue.addBulk(jobs);
  }
  const counts = new Uint8Array(o.items);
  let done = 0;
  const before = await resetServerStats(admin);
  const sent0 = commandsSent();
  const t0 = performance.now();
  const worker = new BullWorker(
    'drain',
    async (job) => {
      counts[(job.data as { i: number }).i]!++;
      done++;
    },
    { connection, concurrency: o.concurrency },
  );
  await waitFor(() => done >= o.items, 600_000);
  const wallMs = performance.now() - t0;
  await worker.close();
  const cost = costSince(before, await serverCost(admin));
  const sent = commandsSent() - sent0;
  await queue.close();
  await admin.flushdb();
  admin.disconnect();
  return result(
    'bullmq',
    `concurrency ${o.concurrency}, one queue`,
    o.items,
    wallMs,
    cost,
    sent,
    counts,
  );
}
