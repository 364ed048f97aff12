import { join } from 'node:path';
import { Queue } from 'bullmq';
import { measure, waitUntil } from '../../harness/context.js';
import { startChild, stopChild } from '../../harness/child.js';
import type { Target } from '../../harness/target.js';
import { capResult, InFlightLog, type CapOptions } from '../../workloads/concurrency-cap.js';
import { cleanup, prefixFor, preload } from './common.js';

/** setGlobalConcurrency(cap) on one queue; one Worker per process, each allowed the whole cap. */
export async function concurrencyCap(target: Target, name: string, o: CapOptions) {
  const connection = target.client();
  const prefix = prefixFor(name);
  const queue = new Queue('capped', { connection, prefix });
  await queue.setGlobalConcurrency(o.cap);
  const log = new InFlightLog(o.items);
  const args = {
    address: target.address,
    prefix,
    queue: 'capped',
    concurrency: o.cap,
    lockDurationMs: 30_000,
    mode: 'work',
    workMs: o.workMs,
  };
  const children = [];
  for (let p = 0; p < o.processes; p++)
    children.push(startChild(join(import.meta.dirname, 'worker-child.ts'), args, log.from(p)));
  try {
    await Promise.all(children.map((c) => c.ready));
    const run = await measure(
      target,
      async () => {
        await preload(queue, o.items);
        await waitUntil(() => log.ended >= o.items, 300_000);
      },
      log.commands,
    );
    return capResult('bullmq', o, run, log);
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    await cleanup(target, name, [queue], [connection]);
  }
}
