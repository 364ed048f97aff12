import type { QueueItem } from '../../item.js';
import type { PartitionRef } from '../../partition.js';
import type { QueueShard } from '../../shard.js';
import type { LeaseResult } from '../../shard/lease-common.js';
import type { PassResult } from '../../shard/partitionPass.js';
import type { LeaseRefusal } from '../../status.js';
import type { Acker } from '../run/acker.js';
import { callHook, runItem, type WorkerEnv } from '../run/worker.js';
import { limitsFor } from './limits.js';
import type { PageCache } from './page.js';
import type { Pass } from './plan.js';

/**
 * Runs a scan's planned passes: leases up to each pass's budget of its partition's due items into
 * free worker slots, starts them, and hands the partition back. One call (partitionPass) when its
 * items carry no custom keys or throttles; else the general path (partitionLease, peek,
 * leaseBatch, partitionRequeue).
 */
export class PassRunner {
  constructor(
    private readonly env: WorkerEnv,
    private readonly shard: QueueShard,
    private readonly acker: Acker,
    private readonly page: PageCache,
    private readonly stopped: AbortSignal,
    /** Called when a started item finishes (its slot is free again). */
    private readonly onItemDone: () => void,
  ) {}

  /**
   * Runs the passes, `width` at a time (slots are taken synchronously, so parallel passes never
   * overbook them). Returns whether more may be waiting: a pass took a full page, or the slots
   * ran out with passes left. Waits for every pass before it rethrows a failure.
   */
  async run(passes: Pass[], width: number): Promise<boolean> {
    let next = 0;
    let more = false;
    const lane = async () => {
      while (next < passes.length && !this.stopped.aborted) {
        if (this.env.slots.free === 0) return void (more = true);
        const pass = passes[next++]!;
        if (await this.processPartition(pass)) {
          more = true;
          this.page.served(pass.partition.id, this.env.clock.now());
        } else this.page.drop(pass.partition.id);
      }
    };
    const lanes = Array.from({ length: Math.min(width, passes.length) }, lane);
    const failed = (await Promise.allSettled(lanes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return more;
  }

  /**
   * Leases up to `budget` of the partition's due items into slots and hands it back. Returns
   * true when it took a full page (or found no free slot), so the partition may hold more.
   */
  private async processPartition(pass: Pass): Promise<boolean> {
    const { env } = this;
    const want = Math.min(pass.budget, env.slots.free, env.opts.itemPeekMax);
    if (want === 0) return true;
    if (!(pass.partition as { constrained?: boolean }).constrained) {
      const took = await this.singleCallPass(pass.partition, want);
      if (took !== null) return took;
    }
    return await this.generalPass(pass.partition, want);
  }

  /** The one-call pass (partitionPass); null when the partition needs the general path. */
  private async singleCallPass(partition: PartitionRef, want: number): Promise<boolean | null> {
    const { env, shard } = this;
    const { opts } = env;
    const taken = env.slots.acquire(want);
    let r: PassResult | undefined;
    try {
      const found = limitsFor(opts.limits, partition);
      // Awaited only when the lookup answered a promise: a synchronous one adds no tick.
      const limits = found instanceof Promise ? await found : found;
      const now = env.clock.now();
      r = await shard.passPartition(partition, {
        want: taken,
        untilMs: now + opts.lookaheadMs,
        leaseMs: opts.leaseMs,
        limits,
        fifo: !opts.parallel(partition),
        concurrencyRequeueMs: opts.concurrencyRequeueMs,
        requeueAt: this.defaultRequeueAt(now),
      });
    } finally {
      env.slots.release(taken - (r?.status === 'ok' ? r.leased.length : 0));
    }
    if (r.status === 'constrained') return null;
    if (r.status !== 'ok') return false;
    env.stats.partitionPasses++;
    for (const reason of r.refusals) this.countRefusal(reason);
    for (const l of r.leased) this.startItem(l.item, { id: l.leaseId, expiresAt: l.expiresAt });
    if (r.leased.length === 0 || r.looked === 0) env.continuations.end(partition.id);
    return taken > 0 && r.looked === taken && r.leased.length === taken;
  }

  /** Partition lease, peek, batch lease, partition requeue: for items with keys or throttles. */
  private async generalPass(partition: PartitionRef, wanted: number): Promise<boolean> {
    const { env, shard } = this;
    const { opts } = env;
    const pl = await shard.leasePartition(partition, opts.partitionLeaseMs);
    if (!pl.ok) return false;
    env.stats.partitionPasses++;
    const now = env.clock.now();
    const want = Math.min(wanted, env.slots.free);
    const peeked = want > 0 ? await shard.peek(partition, now + opts.lookaheadMs, want) : [];
    const taken = env.slots.acquire(peeked.length);
    const items = peeked.slice(0, taken).map((p) => p.item);
    let results: LeaseResult[] = [];
    try {
      const found = limitsFor(opts.limits, partition);
      const limits = found instanceof Promise ? await found : found;
      results = await shard.leaseBatch(items, {
        durationMs: opts.leaseMs,
        limits,
        fifo: !opts.parallel(partition),
      });
    } finally {
      env.slots.release(taken - results.filter((r) => r.ok).length);
    }
    let leased = 0;
    results.forEach((r, i) => {
      if (!r.ok) return this.countRefusal(r.reason);
      leased++;
      this.startItem(items[i]!, { id: r.leaseId, expiresAt: r.expiresAt });
    });
    await shard.requeuePartition(partition, {
      ...this.requeueAfter(results, now),
      leaseId: pl.leaseId,
    });
    if (leased === 0 || peeked.length === 0) env.continuations.end(partition.id);
    return want > 0 && peeked.length === want && leased === want;
  }

  private countRefusal(reason: LeaseRefusal): void {
    const { refusals } = this.env.stats;
    refusals[reason] = (refusals[reason] ?? 0) + 1;
  }

  /** Runs a leased item in its slot; its end is reported to the scanner. */
  private startItem(item: QueueItem, lease: { id: string; expiresAt: number }): void {
    const { env } = this;
    void runItem(env, this.shard, this.acker, item, lease)
      .catch((err: unknown) =>
        callHook(env, () => env.opts.log('error', 'worker failed', { error: String(err) })),
      )
      .then(this.onItemDone);
  }

  private defaultRequeueAt(now: number): number {
    const { opts } = this.env;
    const jitter = opts.requeueJitterMs > 0 ? 1 + this.env.random.int(opts.requeueJitterMs) : 0;
    return now + opts.defaultRequeueMs + jitter;
  }

  /** Where the general path hands the partition back, from what its batch lease answered. */
  private requeueAfter(results: LeaseResult[], now: number): { at: number; force: boolean } {
    const { opts } = this.env;
    const refused = (reasons: string[]) => results.some((r) => !r.ok && reasons.includes(r.reason));
    const leased = results.some((r) => r.ok);
    if (refused(['function-limit', 'account-limit']))
      return { at: now + opts.concurrencyRequeueMs, force: true };
    // Items refused for a key wait behind the partition's head: come back soon even when
    // others were leased (their keys' slots free as those items settle).
    if (refused(['custom-key-1-limit', 'custom-key-2-limit']))
      return { at: now + opts.concurrencyRequeueMs, force: true };
    if (!leased && refused(['throttled'])) {
      const retryAts = results.map((r) => (!r.ok && r.retryAt) || Infinity);
      return { at: Math.max(now + 1, Math.min(...retryAts)), force: true };
    }
    return { at: this.defaultRequeueAt(now), force: false };
  }
}
