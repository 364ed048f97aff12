// A program that uses durq as a user would: from the installed package, by its name. Enqueues one
// item on the server in REDIS_URL, processes it, and prints what happened as one JSON line.
import { connectRedis, createProcessor, Queue, QueueShard, SystemClock, systemRandom } from 'durq';

async function main() {
  const transport = await connectRedis(process.env.REDIS_URL);
  const clock = new SystemClock();
  const random = systemRandom();
  const shard = new QueueShard({ name: process.env.SHARD, transport, clock, random });
  const queue = new Queue({ shards: [shard], clock, random });
  let handled;
  const ran = new Promise((resolve) => (handled = resolve));
  const processor = await createProcessor({
    queue,
    concurrency: 2,
    hooks: { log: () => {} },
    handler: async (item, ctx) => handled({ id: item.id, payload: ctx.payload }),
  });
  const enqueued = await queue.enqueue({
    id: 'packaged-1',
    kind: 'start',
    accountId: 'acct',
    functionId: 'fn',
    payload: { hello: 'world' },
  });
  const handledItem = await ran;
  await processor.close();
  const left = await shard.getItem('packaged-1');
  await transport.close();
  console.log(JSON.stringify({ status: enqueued.status, handled: handledItem, left }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
