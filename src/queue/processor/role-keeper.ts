import type { Clock } from '../../core/clock.js';
import type { QueueShard } from '../shard.js';
import { Outage } from './outage.js';
import type { Logger } from './options.js';

/**
 * Holds a singleton role of one shard while it can: claims it, renews it every third of the
 * lease, and runs `work` every `intervalMs` while it holds it. Releases it on stop().
 */
export class RoleKeeper {
  private leaseId: string | null = null;
  private expiresAt = 0;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly outage: Outage;

  constructor(
    private readonly shard: QueueShard,
    private readonly role: string,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    log: Logger,
    private readonly work?: { intervalMs: number; run: () => Promise<unknown> },
  ) {
    this.outage = new Outage(`role ${role} on shard ${shard.name}`, log);
  }

  /** True while this process holds an unexpired lease on the role. */
  get held(): boolean {
    return this.leaseId !== null && this.expiresAt > this.clock.now();
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
    if (this.leaseId) await this.shard.releaseRole(this.role, this.leaseId).catch(() => {});
    this.leaseId = null;
  }

  private async run(): Promise<void> {
    let nextWorkAt = 0;
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      let waitMs = Math.floor(this.leaseMs / 3);
      try {
        const r = await this.shard.leaseRole(this.role, this.leaseMs, this.leaseId);
        this.leaseId = r.ok ? r.leaseId : null;
        this.expiresAt = r.ok ? r.expiresAt : 0;
        if (this.work && this.held && this.clock.now() >= nextWorkAt) {
          await this.work.run();
          nextWorkAt = this.clock.now() + this.work.intervalMs;
        }
        if (this.work && this.held)
          waitMs = Math.min(waitMs, Math.max(1, nextWorkAt - this.clock.now()));
        this.outage.succeeded();
      } catch (err) {
        waitMs = this.outage.failed(err);
      }
      await this.clock.sleep(waitMs, signal);
    }
  }
}
