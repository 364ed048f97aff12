import {
  createProcessor,
  Queue,
  QueueShard,
  ShardKeys,
  seededRandom,
  SystemClock,
  type IoredisTransport,
  type Processor,
  type Random,
  type RedisTransport,
} from '../../src/internal.js';
import type { Target } from './target.js';

/** A queue over the named shards on one transport, on the system clock. */
export function queueOn(
  transport: RedisTransport,
  names: readonly string[],
  random: Random,
): Queue {
  const clock = new SystemClock();
  const shards = names.map((name) => new QueueShard({ name, transport, clock, random }));
  return new Queue({ shards, clock, random });
}

type ProcessorOptions = Parameters<typeof createProcessor>[0];

/** A durq queue of `shards` shards on the target, named after `name`; close() ends it all. */
export interface DurqSetup {
  queue: Queue;
  transport: IoredisTransport;
  /** Starts a processor on this queue with quiet logs; closed by close(). */
  processor(opts: Omit<ProcessorOptions, 'queue'>): Promise<Processor>;
  /** The same queue over a connection of its own (a second producer). */
  otherConnection(): Promise<Queue>;
  /** Items held in the queue (every shard's item hash). */
  countItems(): Promise<number>;
  /** Closes the processors and the connection and removes the queue's keys. */
  close(): Promise<void>;
}

/**
 * `shards` is a count (shards named `<name>s<i>`) or the shard names themselves (the cluster
 * workload picks names that land on different masters).
 */
export async function durqSetup(
  target: Target,
  name: string,
  shards: number | string[] = 1,
): Promise<DurqSetup> {
  const names =
    typeof shards === 'number' ? Array.from({ length: shards }, (_, i) => `${name}s${i}`) : shards;
  const transport = await target.connect();
  const random = seededRandom(1);
  const queue = queueOn(transport, names, random);
  const processors: Processor[] = [];
  const transports: IoredisTransport[] = [transport];
  return {
    queue,
    transport,
    processor: async (opts) => {
      const p = await createProcessor({ hooks: { log: () => {} }, ...opts, queue });
      processors.push(p);
      return p;
    },
    otherConnection: async () => {
      const t = await target.connect();
      transports.push(t);
      return queueOn(t, names, random);
    },
    countItems: async () => {
      const client = target.client();
      let n = 0;
      for (const name of names) n += await client.hlen(new ShardKeys(name).items());
      client.disconnect();
      return n;
    },
    close: async () => {
      for (const p of processors) await p.close();
      for (const t of transports) await t.close();
      for (const n of names) await target.removeKeys(`{${n}}*`);
    },
  };
}
