import { abortQuietly } from '../abort.js';
import { Outage } from '../outage.js';
import { abortIfExpired, LeaseLostError, type RunningItem, type WorkerEnv } from './worker.js';

/**
 * Keeps the leases of running items alive: one loop per processor (not a timer per item) that
 * extends every item whose lease is past half its duration. A refused extension aborts the item
 * (its lease is lost); when Redis is unreachable, it retries each tick until the lease runs out,
 * then aborts. An extension in flight when the handler returns is awaited before settling, so
 * the settle uses the renewed lease.
 */
export class LeaseExtender {
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly outage: Outage;
  /** How often the loop looks, ms: a quarter of the lease, at most 250 ms. */
  private readonly tickMs: number;

  constructor(private readonly env: WorkerEnv) {
    this.outage = new Outage('lease extension', env.opts.log);
    this.tickMs = Math.max(1, Math.min(Math.floor(env.opts.leaseMs / 4), 250));
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    abortQuietly(this.stopper);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { env } = this;
    while (!this.stopper.signal.aborted) {
      await env.clock.sleep(this.tickMs, this.stopper.signal);
      const half = env.opts.leaseMs / 2;
      const now = env.clock.now();
      for (const running of env.running.values()) {
        if (running.extension || running.settling || running.released) continue;
        if (running.abort.aborted) continue;
        if (running.lease.expiresAt - now > half && !running.extendFailing) continue;
        running.extension = this.extend(running).finally(() => (running.extension = null));
      }
    }
  }

  private async extend(running: RunningItem): Promise<void> {
    const { env } = this;
    try {
      const r = await running.shard.extendLease(running.item, running.lease.id, env.opts.leaseMs);
      running.extendFailing = false;
      this.outage.succeeded();
      // Keep a renewed lease even if the handler finished meanwhile: settling needs the new ID.
      if (r.ok) running.lease = { id: r.leaseId, expiresAt: r.expiresAt };
      else if (!running.settling)
        running.abort.abort(new LeaseLostError(`lease of ${running.item.id} lost: ${r.reason}`));
    } catch (err) {
      this.outage.failed(err);
      running.extendFailing = true;
      abortIfExpired(env, running, 'while Redis was unreachable');
    }
  }
}
