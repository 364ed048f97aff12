/**
 * Tenant A's producer for the noisy-neighbour workload, in a process of its own. argv[2]: JSON
 * { address, shards, dump }. On 'go' it enqueues ids 0..dump-1 in chunks of 1000 and reports
 * each chunk's send time; SIGTERM ends it.
 */
import { seededRandom } from '../../src/index.js';
import { queueOn } from '../harness/durq-setup.js';
import { epochMs, tellParent } from '../harness/child.js';
import { connectAddress, type TargetAddress } from '../harness/target.js';

const args = JSON.parse(process.argv[2]!) as {
  address: TargetAddress;
  shards: string[];
  dump: number;
};
try {
  const transport = await connectAddress(args.address);
  const queue = queueOn(transport, args.shards, seededRandom(2));
  process.on('message', () => {
    void (async () => {
      for (let from = 0; from < args.dump; from += 1000) {
        const to = Math.min(args.dump, from + 1000);
        const t = epochMs();
        const sends = [];
        for (let i = from; i < to; i++)
          sends.push(
            queue.enqueue({ id: String(i), kind: 'edge', accountId: 'A', functionId: 'fn-A' }),
          );
        tellParent({ type: 'sent', from, to, t });
        await Promise.all(sends);
      }
      tellParent({ type: 'dumped' });
    })();
  });
  process.once('SIGTERM', () => void transport.close().then(() => process.exit(0)));
  tellParent({ type: 'ready' });
} catch (err) {
  tellParent({ type: 'error', message: String(err) });
  process.exit(1);
}
