import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { stopChild } from '../../harness/child.js';
import type { Target } from '../../harness/target.js';
import {
  childHoldingAll,
  killAndRecover,
  lostLeasesResult,
  type LostLeasesOptions,
} from '../../workloads/lost-leases.js';
import { cleanup, prefixFor, preload } from './common.js';

/** A Worker in a child holds every job; a survivor Worker's stalled checker recovers them. */
export async function lostLeases(target: Target, name: string, o: LostLeasesOptions) {
  const connection = target.client();
  const prefix = prefixFor(name);
  const queue = new Queue('lost', { connection, prefix });
  await preload(queue, o.items);
  const args = {
    address: target.address,
    prefix,
    queue: 'lost',
    concurrency: o.items,
    lockDurationMs: o.leaseMs,
    mode: 'hang',
    workMs: 0,
  };
  const child = await childHoldingAll(join(import.meta.dirname, 'worker-child.ts'), args, o.items);
  const counts = new Uint8Array(o.items);
  let completed = 0;
  const workerConnection = target.client();
  const survivor = new Worker(
    'lost',
    async (job) => {
      counts[job.data.i]++;
      completed++;
    },
    {
      connection: workerConnection,
      prefix,
      concurrency: o.items,
      lockDuration: o.leaseMs,
      stalledInterval: o.leaseMs,
    },
  );
  await survivor.waitUntilReady();
  try {
    const run = await killAndRecover(target, child, () => completed, o.items, 120_000);
    return lostLeasesResult('bullmq', o, run, counts, `, stalledInterval ${o.leaseMs} ms`);
  } finally {
    await stopChild(child, 'SIGKILL');
    await cleanup(target, name, [survivor, queue], [workerConnection, connection]);
  }
}
