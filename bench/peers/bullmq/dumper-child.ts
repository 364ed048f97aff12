/**
 * Tenant A's producer for BullMQ's noisy-neighbour runs, in a process of its own. argv[2]: JSON
 * { address, prefix, queue, dump }. On 'go' it adds ids 0..dump-1 with addBulk in chunks of
 * 1000 and reports each chunk's send time; SIGTERM ends it.
 */
import { Queue } from 'bullmq';
import { epochMs, tellParent } from '../../harness/child.js';
import { clientFor } from '../../harness/target.js';
import { JOB_OPTS } from './common.js';

const args = JSON.parse(process.argv[2]);
try {
  const connection = clientFor(args.address);
  const queue = new Queue(args.queue, { connection, prefix: args.prefix });
  await queue.waitUntilReady();
  process.on('message', () => {
    void (async () => {
      for (let from = 0; from < args.dump; from += 1000) {
        const to = Math.min(args.dump, from + 1000);
        const jobs = [];
        for (let i = from; i < to; i++) jobs.push({ name: 'job', data: { i }, opts: JOB_OPTS });
        tellParent({ type: 'sent', from, to, t: epochMs() });
        await queue.addBulk(jobs);
      }
      tellParent({ type: 'dumped' });
    })();
  });
  process.once('SIGTERM', () => void queue.close().then(() => process.exit(0)));
  tellParent({ type: 'ready' });
} catch (err) {
  tellParent({ type: 'error', message: String(err) });
  process.exit(1);
}
