import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { measure } from '../../harness/context.js';
import { LatencyHistogram } from '../../harness/histogram.js';
import type { Target } from '../../harness/target.js';
import { arrivals, latencyRun, openLoop, type LatencyOptions } from '../../workloads/latency.js';
import { cleanup, JOB_OPTS, prefixFor } from './common.js';

/** The same arrivals into one queue, one Worker at the same concurrency. */
export async function latency(target: Target, name: string, o: LatencyOptions) {
  const connection = target.client();
  const workerConnection = target.client();
  const prefix = prefixFor(name);
  const queue = new Queue('latency', { connection, prefix });
  const times = arrivals(o);
  const counts = new Uint8Array(times.length);
  const h = new LatencyHistogram();
  let t0 = 0;
  let started = 0;
  const worker = new Worker(
    'latency',
    async (job) => {
      const i = job.data.i;
      if (counts[i]++ === 0) h.recordMs(performance.now() - t0 - times[i]);
      started++;
    },
    { connection: workerConnection, prefix, concurrency: o.concurrency },
  );
  await worker.waitUntilReady();
  const run = await measure(target, async () => {
    t0 = performance.now();
    await openLoop(
      times,
      t0,
      (i) => queue.add('job', { i }, JOB_OPTS),
      () => started,
      30_000,
    );
  });
  await cleanup(target, name, [worker, queue], [workerConnection, connection]);
  return latencyRun('bullmq', o, times.length, run, counts, h);
}
