import { Queue, Worker } from 'bullmq';
import { measure, waitUntil } from '../../harness/context.js';
import { makeResult } from '../../harness/result.js';
import type { Target } from '../../harness/target.js';
import { sumMemory, type DrainOptions } from '../../workloads/drain.js';
import { cleanup, prefixFor, preload } from './common.js';

/** The same number of no-op jobs in one queue, drained by one Worker at the same concurrency. */
export async function drain(target: Target, name: string, o: DrainOptions, workload = 'drain') {
  const connection = target.client();
  const prefix = prefixFor(name);
  const queue = new Queue('drain', { connection, prefix });
  const memBefore = sumMemory(await target.snapshot());
  await preload(queue, o.items);
  const memPerItem = (sumMemory(await target.snapshot()) - memBefore) / o.items;
  const counts = new Uint8Array(o.items);
  let done = 0;
  let worker: Worker | undefined;
  const workerConnection = target.client();
  const run = await measure(target, async () => {
    worker = new Worker(
      'drain',
      async (job) => {
        counts[job.data.i]++;
        done++;
      },
      { connection: workerConnection, prefix, concurrency: o.concurrency },
    );
    await waitUntil(() => done >= o.items, 600_000);
  });
  await cleanup(target, name, [worker!, queue], [workerConnection, connection]);
  const r = makeResult(
    {
      workload,
      system: 'bullmq',
      setting: `concurrency ${o.concurrency}, one queue`,
      items: o.items,
      wallMs: run.wallMs,
    },
    run.cost,
    counts,
  );
  r.extra.bytesPerQueuedItem = Math.round(memPerItem);
  r.extra.scriptCallsPerItem = Math.round((run.cost.scriptCalls / o.items) * 100) / 100;
  if (run.cost.cpuUsPerServer.length > 1)
    r.extra.busiestMasterUsPerItem =
      Math.round((Math.max(...run.cost.cpuUsPerServer) / o.items) * 100) / 100;
  return r;
}
