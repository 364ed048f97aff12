import type { Clock } from '../../clock/clock.js';
import type { QueueItem } from '../item.js';
import type { QueueShard } from '../shard.js';
import type { FenceResult } from '../shard-finish.js';
import { Outage } from './outage.js';
import type { Logger } from './options.js';

interface PendingAck {
  item: QueueItem;
  leaseId: string;
  resolve: (r: FenceResult) => void;
}

export const ACK_BATCH_MAX = 500;

/**
 * Group commit for dequeues: acks that arrive while a batch is in flight go out together in the
 * next dequeueBatch call, so round trips per item fall as load rises, with no timer. A Redis
 * failure keeps the acks pending and retries with backoff; the items stay leased meanwhile.
 */
export class Acker {
  private pending: PendingAck[] = [];
  private flushing: Promise<void> | null = null;
  private readonly outage: Outage;

  constructor(
    private readonly shard: QueueShard,
    private readonly clock: Clock,
    log: Logger,
  ) {
    this.outage = new Outage(`acks on shard ${shard.name}`, log);
  }

  dequeue(item: QueueItem, leaseId: string): Promise<FenceResult> {
    return new Promise((resolve) => {
      this.pending.push({ item, leaseId, resolve });
      if (!this.flushing) this.flushing = this.flush().finally(() => (this.flushing = null));
    });
  }

  /** Resolves once every ack handed in so far has been sent. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, ACK_BATCH_MAX);
      try {
        const results = await this.shard.dequeueBatch(
          batch.map((a) => ({ item: a.item, leaseId: a.leaseId })),
        );
        this.outage.succeeded();
        this.pending.splice(0, batch.length);
        batch.forEach((a, i) => a.resolve(results[i] as FenceResult));
      } catch (err) {
        await this.clock.sleep(this.outage.failed(err));
      }
    }
  }
}
