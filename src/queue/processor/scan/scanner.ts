import type { PartitionInfo } from '../../partition.js';
import type { QueueShard } from '../../shard.js';
import { abortQuietly } from '../abort.js';
import { Outage } from '../outage.js';
import { Acker } from '../run/acker.js';
import type { WorkerEnv } from '../run/worker.js';
import { PageCache } from './page.js';
import { PassRunner } from './passes.js';
import { groupByAccount, leasable, planPasses, type Pass } from './plan.js';

/**
 * Scans one shard: picks due partitions (mostly account by account, for fairness across
 * tenants), plans each one's share of the free worker slots (plan.ts), runs the passes
 * (passes.ts), and sleeps while nothing is due, until the next due time or a wake-up.
 */
export class ShardScanner {
  readonly acker: Acker;
  private readonly outage: Outage;
  private wake = new AbortController();
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  /** The last scan was cut short: more due work may be waiting for slots. */
  private hungry = false;
  /** While the loop sleeps idle: when (this process's clock) that sleep ends; else null. */
  private idleUntil: number | null = null;
  private readonly page: PageCache;
  private readonly passes: PassRunner;
  /** Set by the sequential role keeper: scan in score order. */
  sequential = () => false;

  constructor(
    private readonly env: WorkerEnv,
    readonly shard: QueueShard,
  ) {
    this.acker = new Acker(shard, env.clock, env.opts.log);
    this.outage = new Outage(`scanner of shard ${shard.name}`, env.opts.log);
    this.page = new PageCache(env.opts.pageReuseMs);
    this.passes = new PassRunner(env, shard, this.acker, this.page, this.stopper.signal, () => {
      // A freed slot pokes a scanner that had more work, or a partition to continue (a keyed
      // item settled: an item refused for its key may lease now).
      if (this.hungry || env.continuations.size > 0) this.poke();
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.shard.onWake((dueAt, kind) => {
      // Newly due work may be in no page this scanner holds: its next scan peeks afresh.
      if (kind === 'due') this.page.forget();
      // Work due no sooner than this idle scanner wakes anyway changes nothing: that scan peeks
      // it, or sleeps until it by the index's earliest score. Work due within the lookahead
      // always wakes it (a wall clock stepped forward may have moved the sleep's real end).
      const { clock, opts } = this.env;
      const later = dueAt >= (this.idleUntil ?? Infinity) && dueAt > clock.now() + opts.lookaheadMs;
      if (later) return;
      this.poke();
    });
    this.loop = this.run();
  }

  /** Ends the scan loop (running items are the processor's to finish). */
  async stop(): Promise<void> {
    abortQuietly(this.stopper);
    this.poke();
    await this.loop;
    await this.unsubscribe?.();
  }

  /** Cuts an idle or slot wait short: new work is due, or a slot or continuation is ready. */
  poke(): void {
    abortQuietly(this.wake);
  }

  private async run(): Promise<void> {
    const { env } = this;
    while (!this.stopper.signal.aborted) {
      const wake = (this.wake = new AbortController());
      try {
        if (env.slots.free === 0) {
          await env.slots.changed(this.stopper.signal);
          continue;
        }
        const scan = await this.scanOnce();
        this.hungry = scan.more;
        this.outage.succeeded();
        if (this.hungry || env.continuations.size > 0) continue;
        const idleMs = this.idleMs(scan.earliest);
        this.idleUntil = env.clock.now() + idleMs;
        try {
          await env.clock.sleep(idleMs, wake.signal);
        } finally {
          this.idleUntil = null;
        }
      } catch (err) {
        await env.clock.sleep(this.outage.failed(err), this.stopper.signal);
      }
    }
  }

  /**
   * How long to sleep after a scan that took nothing: until the earliest pointer comes within
   * the lookahead; or, if it already has (a forced partition, or items not yet due), until the
   * pointer itself; or briefly if it is due now yet was not taken (held by another scanner).
   * Wake-ups (new due work, freed capacity) cut every sleep short.
   */
  private idleMs(next: number | null): number {
    const { opts, clock } = this.env;
    if (next === null) return opts.idleMaxMs;
    const now = clock.now();
    if (next - opts.lookaheadMs > now)
      return Math.min(next - opts.lookaheadMs - now, opts.idleMaxMs);
    if (next > now) return Math.min(next - now, opts.idleMaxMs);
    return Math.min(50, opts.idleMaxMs);
  }

  /**
   * One scan: continuations first, then an account or a global pass. Returns whether it was cut
   * short (a partition gave a full page, or slots ran out with partitions left), i.e. whether
   * scanning again at once may find more; otherwise the loop sleeps until woken.
   */
  private async scanOnce(): Promise<{ more: boolean; earliest: number | null }> {
    const { env } = this;
    env.stats.scans++;
    const continued = env.continuations
      .take()
      .map((partition) => ({ partition, budget: env.slots.free }));
    const continuedMore = await this.passes.run(continued, 1);
    if (env.slots.free === 0) return { more: true, earliest: null };
    const { passes, earliest, reused } = await this.choosePasses();
    const width = this.sequential() ? 1 : env.opts.passConcurrency;
    const more = await this.passes.run(passes, width);
    // A reused page that came up dry says nothing about what is due now: peek before sleeping.
    return { more: more || continuedMore || reused === true, earliest };
  }

  /** Plans passes over groups of due partitions, splitting this moment's free slots. */
  private plan(groups: PartitionInfo[][]): Pass[] {
    const { env } = this;
    return planPasses({
      groups,
      freeSlots: env.slots.free,
      random: env.random,
      sequential: this.sequential(),
    });
  }

  /**
   * Picks this scan's partitions and plans each one's share of the free slots. One global peek
   * first: when every due partition fits in that page (the common case), they are grouped by
   * account on the client and the slots are split evenly between accounts. When more are due
   * than a page holds, most scans go account by account (accountScanWeight), so a tenant with
   * many partitions cannot crowd the others out of the page. A hungry scanner (not sequential)
   * reuses its last page for up to pageReuseMs instead of peeking.
   */
  private async choosePasses(): Promise<{
    passes: Pass[];
    earliest: number | null;
    reused?: boolean;
  }> {
    const { env, shard } = this;
    const { opts } = env;
    const reused = this.hungry && !this.sequential() ? this.page.reusable(env.clock.now()) : null;
    if (reused)
      return {
        passes: this.plan(groupByAccount(reused.partitions)),
        earliest: reused.earliest,
        reused: true,
      };
    const now = env.clock.now();
    const untilMs = now + opts.lookaheadMs;
    const order = this.sequential() ? 'score' : 'random';
    const page = await shard.peekPartitions({ untilMs, limit: opts.partitionPeekMax, order });
    const earliest = page.earliestScore;
    this.page.forget();
    if (page.due <= opts.partitionPeekMax || env.random.next() >= opts.accountScanWeight) {
      const partitions = this.leasable(page.partitions);
      // Only a page that holds every due partition is worth reusing.
      if (page.due <= opts.partitionPeekMax) this.page.keep(partitions, now, earliest);
      return { passes: this.plan(groupByAccount(partitions)), earliest };
    }
    const { accounts } = await shard.peekAccounts({ untilMs, limit: opts.accountPeekMax, order });
    const perAccount = Math.max(
      1,
      Math.round(opts.partitionPeekMax / Math.max(1, accounts.length)),
    );
    // System queues are only in the global index: they come from the page as a group of their own.
    const groups = groupByAccount(this.leasable(page.partitions)).filter((g) => g[0]?.queueName);
    for (const account of accounts) {
      const r = await shard.peekPartitions({
        accountId: account.id,
        untilMs,
        limit: perAccount,
        order,
      });
      groups.push(this.leasable(r.partitions));
    }
    return { passes: this.plan(groups), earliest };
  }

  private leasable(partitions: PartitionInfo[]): PartitionInfo[] {
    return leasable(partitions, this.env.clock.now(), this.shard.graceMs);
  }
}
