/**
 * A BullMQ Worker in a child process (concurrency-cap and lost-leases workloads).
 * argv[2]: JSON { address, prefix, queue, concurrency, lockDurationMs, mode, workMs }.
 */
import { Worker } from 'bullmq';
import { commandsSent, countRoundTrips } from '../../harness/round-trips.js';
import { epochMs, tellParent } from '../../harness/child.js';
import { clientFor } from '../../harness/target.js';

countRoundTrips();
const args = JSON.parse(process.argv[2]);
try {
  const connection = clientFor(args.address);
  const worker = new Worker(
    args.queue,
    async (job) => {
      const i = job.data.i;
      tellParent({ type: 'start', i, t: epochMs() });
      if (args.mode === 'hang') return await new Promise(() => {});
      await new Promise((r) => setTimeout(r, args.workMs));
      tellParent({ type: 'end', i, t: epochMs(), sent: commandsSent() });
    },
    {
      connection,
      prefix: args.prefix,
      concurrency: args.concurrency,
      lockDuration: args.lockDurationMs,
    },
  );
  await worker.waitUntilReady();
  process.once('SIGTERM', () => {
    void worker.close().then(() => process.exit(0));
  });
  tellParent({ type: 'ready' });
} catch (err) {
  tellParent({ type: 'error', message: String(err) });
  process.exit(1);
}
