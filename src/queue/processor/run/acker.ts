import type { Clock } from '../../../core/clock.js';
import type { QueueItem } from '../../item.js';
import type { QueueShard } from '../../shard.js';
import type { FenceResult } from '../../shard/lease-common.js';
import { Outage } from '../outage.js';
import type { Logger } from '../options.js';

interface PendingAck {
  item: QueueItem;
  leaseId: string;
  /** Past this, the ack is pointless: the scavenger returns the item and someone reruns it. */
  expiresAt: number;
  resolve: (r: FenceResult) => void;
}

export const ACK_BATCH_MAX = 500;

/**
 * Group commit for dequeues: acks that arrive while a batch is in flight go out together in the
 * next dequeueBatch call, so round trips per item fall as load rises, with no timer. A Redis
 * failure keeps the acks pending and retries with backoff while their leases last (a repeated
 * dequeue by the same lease succeeds, so a lost reply is safe); an ack whose lease runs out is
 * given up as lease-expired, and the scavenger returns its item.
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

  dequeue(item: QueueItem, lease: { id: string; expiresAt: number }): Promise<FenceResult> {
    return new Promise((resolve) => {
      this.pending.push({ item, leaseId: lease.id, expiresAt: lease.expiresAt, resolve });
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
        const waitMs = this.outage.failed(err);
        const deadline = this.clock.now() + waitMs;
        for (const a of this.pending) {
          if (a.expiresAt <= deadline) a.resolve({ ok: false, reason: 'lease-expired' });
        }
        this.pending = this.pending.filter((a) => a.expiresAt > deadline);
        await this.clock.sleep(waitMs);
      }
    }
  }
}
