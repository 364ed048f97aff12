/**
 * A durq processor in a child process, for the concurrency-cap and lost-leases workloads.
 * argv[2]: JSON DurqChildArgs. Tells the parent (IPC) when it is ready and when each item
 * starts and ends; SIGTERM closes it gracefully.
 */
import { createProcessor, systemRandom } from '../../src/index.js';
import { queueOn } from '../harness/durq-setup.js';
import { commandsSent, countRoundTrips } from '../harness/round-trips.js';
import { epochMs, tellParent } from '../harness/child.js';
import { connectAddress, type TargetAddress } from '../harness/target.js';

export interface DurqChildArgs {
  address: TargetAddress;
  shard: string;
  concurrency: number;
  functionLimit: number;
  leaseMs: number;
  /** work: each item takes workMs; hang: handlers never finish (held until killed). */
  mode: 'work' | 'hang';
  workMs: number;
}

countRoundTrips();
const args = JSON.parse(process.argv[2]!) as DurqChildArgs;
try {
  const transport = await connectAddress(args.address);
  const queue = queueOn(transport, [args.shard], systemRandom());
  const processor = await createProcessor({
    queue,
    concurrency: args.concurrency,
    leaseMs: args.leaseMs,
    limits: { function: () => args.functionLimit },
    hooks: { log: () => {} },
    handler: async (item) => {
      const i = Number(item.id);
      tellParent({ type: 'start', i, t: epochMs() });
      if (args.mode === 'hang') return await new Promise<never>(() => {});
      await new Promise((r) => setTimeout(r, args.workMs));
      tellParent({ type: 'end', i, t: epochMs(), sent: commandsSent() });
    },
  });
  process.once('SIGTERM', () => {
    void processor.close().then(async () => {
      await transport.close();
      process.exit(0);
    });
  });
  tellParent({ type: 'ready' });
} catch (err) {
  tellParent({ type: 'error', message: String(err) });
  process.exit(1);
}
