import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { startDumper } from '../../harness/dumper.js';
import { measure } from '../../harness/context.js';
import type { Target } from '../../harness/target.js';
import { NoisyRun, tenantName, type NoisyOptions } from '../../workloads/noisy-model.js';
import { noisyOutcome } from '../../workloads/noisy-neighbour.js';
import { cleanup, JOB_OPTS, prefixFor } from './common.js';

/**
 * BullMQ has no per-tenant fairness in its open-source edition. one-queue: every tenant in one
 * FIFO queue, one Worker. queue-per-tenant (the usual workaround): a queue and a Worker per
 * tenant, the concurrency split evenly between them.
 */
export async function noisyNeighbour(
  target: Target,
  name: string,
  o: NoisyOptions,
  layout: 'one-queue' | 'queue-per-tenant',
) {
  const prefix = prefixFor(name);
  const tenants = ['A', ...Array.from({ length: o.tenants }, (_, k) => tenantName(k))];
  const queueOf = (t: string) => (layout === 'one-queue' ? 'all' : `tenant-${t}`);
  const names = [...new Set(tenants.map(queueOf))];
  const connection = target.client();
  const workerConnection = target.client();
  const queues = new Map(names.map((q) => [q, new Queue(q, { connection, prefix })]));
  // Tenant A dumps from a producer process of its own, as a separate service would.
  const dumper = await startDumper(join(import.meta.dirname, 'dumper-child.ts'), {
    address: target.address,
    prefix,
    queue: queueOf('A'),
    dump: o.dump,
  });
  const run = new NoisyRun(o);
  const perWorker = Math.max(1, Math.floor(o.concurrency / names.length));
  const workers = names.map(
    (q) =>
      new Worker(q, async (job) => run.started(job.data.i), {
        connection: workerConnection,
        prefix,
        concurrency: perWorker,
      }),
  );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  try {
    const measured = await measure(target, () =>
      run.drive((i, t) => queues.get(queueOf(t)).add('job', { i }, JOB_OPTS), dumper.dump),
    );
    const setting =
      layout === 'one-queue'
        ? 'one FIFO queue'
        : `queue per tenant, ${names.length} Workers × ${perWorker}`;
    return noisyOutcome('bullmq', setting, run, measured);
  } finally {
    await dumper.stop();
    await cleanup(target, name, [...workers, ...queues.values()], [workerConnection, connection]);
  }
}
