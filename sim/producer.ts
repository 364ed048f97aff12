import { Queue, QueueShard, seededRandom } from '../src/internal.js';
import { SimClock } from './sim-clock.js';
import { SimTransport } from './sim-transport.js';
import { START_MS } from './start-time.js';
import { simShard, type World } from './world.js';

/** Enqueues each planned item on arrival; failures are retried (enqueue is idempotent by ID). */
export function scheduleProducer(world: World): void {
  const { scheduler, workload } = world;
  const clock = new SimClock(scheduler, 'producer', 0, () => true);
  const random = seededRandom(`${world.opts.seed}/producer`);
  const shard = new QueueShard({
    name: simShard(world.opts.seed),
    transport: new SimTransport(world, 'producer', 1),
    clock,
    random,
  });
  const queue = new Queue({ shards: [shard], clock, random });
  let remaining = workload.items.length;
  if (remaining === 0) world.producerDone = true;
  for (const planned of workload.items) {
    // Fire and forget: an event that awaited product work would wait on later events forever.
    scheduler.schedule(START_MS + planned.arrivalMs, 'producer', () => void produce(planned), {
      productOnly: true,
    });
  }
  async function produce(planned: (typeof workload.items)[number]): Promise<void> {
    const input =
      planned.delayMs > 0 ? { ...planned.input, at: clock.now() + planned.delayMs } : planned.input;
    for (let tries = 0; ; tries++) {
      try {
        await queue.enqueue(input);
        break;
      } catch {
        await clock.sleep(10 * Math.min(tries + 1, 20));
      }
    }
    if (--remaining === 0) world.producerDone = true;
  }
}
