import { Queue } from 'bullmq';
import { measure } from '../../harness/context.js';
import { LatencyHistogram } from '../../harness/histogram.js';
import { makeResult } from '../../harness/result.js';
import type { Target } from '../../harness/target.js';
import { deliveryOf, drive, enqueueSetting, type EnqueueOptions } from '../../workloads/enqueue.js';
import { cleanup, JOB_OPTS, prefixFor } from './common.js';

/** queue.add one at a time or `width` in flight; addBulk for batches. */
export async function enqueue(target: Target, name: string, o: EnqueueOptions) {
  const connection = target.client();
  const queue = new Queue('enqueue', { connection, prefix: prefixFor(name) });
  await queue.waitUntilReady();
  const job = (i: number) => ({ name: 'job', data: { i }, opts: JOB_OPTS });
  const h = new LatencyHistogram();
  const run = await measure(target, () =>
    drive(
      o,
      (i) => queue.add('job', { i }, JOB_OPTS),
      (from, to) => queue.addBulk(Array.from({ length: to - from }, (_, k) => job(from + k))),
      h,
    ),
  );
  const held = await queue.getWaitingCount();
  await cleanup(target, name, [queue], [connection]);
  const base = { workload: 'enqueue', system: 'bullmq', items: o.items };
  const r = makeResult({ ...base, setting: enqueueSetting(o), wallMs: run.wallMs }, run.cost, null);
  return { ...r, ...h.summary(), ...deliveryOf(o.items, held) };
}
