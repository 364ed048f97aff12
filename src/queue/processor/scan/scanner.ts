import { ulidTime } from '../../../core/ulid.js';
import type { PartitionInfo, PartitionRef } from '../../partition.js';
import type { QueueShard } from '../../shard.js';
import type { ConcurrencyLimits, LeaseResult } from '../../shard/lease-common.js';
import type { PassResult } from '../../shard/partitionPass.js';
import type { LeaseRefusal } from '../../status.js';
import type { QueueItem } from '../../item.js';
import { abortQuietly } from '../abort.js';
import { Acker } from '../run/acker.js';
import { Outage } from '../outage.js';
import {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_FUNCTION_CONCURRENCY,
  DEFAULT_SYSTEM_CONCURRENCY,
} from '../options.js';
import { callHook, runItem, type WorkerEnv } from '../run/worker.js';

/** The smallest batch a partition pass plans for. */
const BATCH_MIN = 16;

interface Pass {
  partition: PartitionRef;
  /** Items this pass may take from the partition (its fair share of the free slots). */
  budget: number;
}

/**
 * Scans one shard: picks due partitions (mostly account by account, for fairness across
 * tenants), leases each, leases a batch of its items into free worker slots, and hands the
 * partition back. Sleeps while nothing is due, until the next due time or a wake-up.
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
  /** The last global page of due partitions, reused while hungry (see pageReuseMs). */
  private page: { partitions: PartitionInfo[]; at: number; earliest: number | null } | null = null;
  /** Set by the sequential role keeper: scan in score order. */
  sequential = () => false;

  constructor(
    private readonly env: WorkerEnv,
    readonly shard: QueueShard,
  ) {
    this.acker = new Acker(shard, env.clock, env.opts.log);
    this.outage = new Outage(`scanner of shard ${shard.name}`, env.opts.log);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.shard.onWake((_, kind) => {
      // Newly due work may be in no page this scanner holds: its next scan peeks afresh.
      if (kind === 'due') this.page = null;
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
        await env.clock.sleep(this.idleMs(scan.earliest), wake.signal);
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
    const continuedMore = await this.runPasses(continued, 1);
    if (env.slots.free === 0) return { more: true, earliest: null };
    const { passes, earliest, reused } = await this.choosePasses();
    const width = this.sequential() ? 1 : env.opts.passConcurrency;
    const more = await this.runPasses(passes, width);
    // A reused page that came up dry says nothing about what is due now: peek before sleeping.
    return { more: more || continuedMore || reused === true, earliest };
  }

  /**
   * Runs the passes, `width` at a time (slots are taken synchronously, so parallel passes never
   * overbook them). Returns whether more may be waiting: a pass took a full page, or the slots ran
   * out with passes left. Waits for every pass before it rethrows a failure.
   */
  private async runPasses(passes: Pass[], width: number): Promise<boolean> {
    let next = 0;
    let more = false;
    const lane = async () => {
      while (next < passes.length && !this.stopper.signal.aborted) {
        if (this.env.slots.free === 0) return void (more = true);
        const pass = passes[next++]!;
        if (await this.processPartition(pass)) {
          more = true;
          this.servedInPage(pass.partition.id);
        } else this.dropFromPage(pass.partition.id);
      }
    };
    const lanes = Array.from({ length: Math.min(width, passes.length) }, lane);
    const failed = (await Promise.allSettled(lanes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return more;
  }

  /**
   * Picks this scan's partitions and each one's share of the free slots. One global peek first:
   * when every due partition fits in that page (the common case), they are grouped by account
   * on the client and the slots are split evenly between accounts. When more are due than a page
   * holds, most scans go account by account (accountScanWeight), so a tenant with many
   * partitions cannot crowd the others out of the page.
   */
  private async choosePasses(): Promise<{
    passes: Pass[];
    earliest: number | null;
    reused?: boolean;
  }> {
    const { env, shard } = this;
    const { opts } = env;
    const reused = this.reusablePage();
    if (reused)
      return {
        passes: this.fairPasses(groupByAccount(reused.partitions)),
        earliest: reused.earliest,
        reused: true,
      };
    const now = env.clock.now();
    const untilMs = now + opts.lookaheadMs;
    const order = this.sequential() ? 'score' : 'random';
    const page = await shard.peekPartitions({ untilMs, limit: opts.partitionPeekMax, order });
    const earliest = page.earliestScore;
    this.page = null;
    if (page.due <= opts.partitionPeekMax || env.random.next() >= opts.accountScanWeight) {
      const partitions = this.leasable(page.partitions);
      // Only a page that holds every due partition is worth reusing.
      if (page.due <= opts.partitionPeekMax) this.page = { partitions, at: now, earliest };
      return { passes: this.fairPasses(groupByAccount(partitions)), earliest };
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
    return { passes: this.fairPasses(groups), earliest };
  }

  /**
   * The last page, if this scanner is hungry, not sequential, and the page is younger than
   * pageReuseMs: a scan then costs its passes alone. Partitions due since are seen at the next
   * peek, at most pageReuseMs later (and at once when the scanner is not hungry).
   */
  private reusablePage(): { partitions: PartitionInfo[]; earliest: number | null } | null {
    const { page } = this;
    if (!page || !this.hungry || this.sequential()) return null;
    if (this.env.clock.now() - page.at >= this.env.opts.pageReuseMs || page.partitions.length === 0)
      return null;
    return page;
  }

  /** A pass found the partition drained (or not its to take): later reuses skip it. */
  private dropFromPage(id: string): void {
    if (this.page) this.page.partitions = this.page.partitions.filter((p) => p.id !== id);
  }

  /** A pass served the partition: its least-recently-served rank moves back. */
  private servedInPage(id: string): void {
    const p = this.page?.partitions.find((x) => x.id === id);
    if (p) p.lastLeasedAt = this.env.clock.now();
  }

  /** Splits the free slots evenly between groups, each getting a turn before any gets two. */
  private fairPasses(groups: PartitionInfo[][]): Pass[] {
    const nonEmpty = groups.filter((g) => g.length > 0).map((g) => this.shuffle(g));
    const groupBudget = Math.ceil(this.env.slots.free / Math.max(1, nonEmpty.length));
    const passes: Pass[] = [];
    for (let round = 0; nonEmpty.some((g) => g.length > round); round++) {
      const roundPasses: Pass[] = [];
      for (const g of this.shuffle(nonEmpty)) {
        const partition = g[round];
        // A pass costs round trips whatever it takes: never plan one for fewer than BATCH_MIN
        // items (slots still cap it), or many partitions shrink batches to one item.
        if (partition)
          roundPasses.push({
            partition,
            budget: Math.max(BATCH_MIN, Math.ceil(groupBudget / g.length)),
          });
      }
      passes.push(...this.leastRecentlyServedFirst(roundPasses));
    }
    return passes;
  }

  /**
   * Within a round, partitions served longest ago go first: passes take slots in the order they
   * start, so when slots are short a tenant that was just served (a noisy one with a deep
   * backlog) waits behind one that was not (a small one whose item just arrived). Stable, so the
   * shuffle still breaks ties; sequential scans keep score order.
   */
  private leastRecentlyServedFirst(passes: Pass[]): Pass[] {
    if (this.sequential()) return passes;
    const last = (p: Pass) => (p.partition as PartitionInfo).lastLeasedAt ?? 0;
    return passes.sort((a, b) => last(a) - last(b));
  }

  /**
   * Leases up to `budget` of the partition's due items into slots and hands it back: in one call
   * when its items carry no custom keys or throttles, else by the general path. Returns true when
   * it took a full page (or found no free slot), so the partition may hold more due work.
   */
  private async processPartition(pass: Pass): Promise<boolean> {
    const { env } = this;
    const want = Math.min(pass.budget, env.slots.free, env.opts.itemPeekMax);
    if (want === 0) return true;
    if (!(pass.partition as Partial<PartitionInfo>).constrained) {
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
      const now = env.clock.now();
      r = await shard.passPartition(partition, {
        want: taken,
        untilMs: now + opts.lookaheadMs,
        leaseMs: opts.leaseMs,
        limits: this.limitsFor(partition),
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
    if (r.leased.length === 0 || r.looked === 0) env.continuations.settle(partition.id);
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
      results = await shard.leaseBatch(items, {
        durationMs: opts.leaseMs,
        limits: this.limitsFor(partition),
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
    if (leased === 0 || peeked.length === 0) env.continuations.settle(partition.id);
    return want > 0 && peeked.length === want && leased === want;
  }

  private countRefusal(reason: LeaseRefusal): void {
    const { refusals } = this.env.stats;
    refusals[reason] = (refusals[reason] ?? 0) + 1;
  }

  /** Runs a leased item in its slot; a freed slot pokes a scanner that had more work. */
  private startItem(item: QueueItem, lease: { id: string; expiresAt: number }): void {
    const { env } = this;
    void runItem(env, this.shard, this.acker, item, lease)
      .catch((err: unknown) =>
        callHook(env, () => env.opts.log('error', 'worker failed', { error: String(err) })),
      )
      .then(() => {
        if (this.hungry) this.poke();
      });
  }

  private defaultRequeueAt(now: number): number {
    const { opts } = this.env;
    const jitter = opts.requeueJitterMs > 0 ? 1 + this.env.random.int(opts.requeueJitterMs) : 0;
    return now + opts.defaultRequeueMs + jitter;
  }

  private requeueAfter(results: LeaseResult[], now: number): { at: number; force: boolean } {
    const { opts } = this.env;
    const refused = (reasons: string[]) => results.some((r) => !r.ok && reasons.includes(r.reason));
    const leased = results.some((r) => r.ok);
    if (refused(['function-limit', 'account-limit']))
      return { at: now + opts.concurrencyRequeueMs, force: true };
    if (!leased && refused(['custom-key-1-limit', 'custom-key-2-limit'])) {
      return { at: now + opts.concurrencyRequeueMs, force: true };
    }
    if (!leased && refused(['throttled'])) {
      const retryAts = results.map((r) => (!r.ok && r.retryAt) || Infinity);
      return { at: Math.max(now + 1, Math.min(...retryAts)), force: true };
    }
    return { at: this.defaultRequeueAt(now), force: false };
  }

  /**
   * Partitions worth a lease attempt. A forced one (refused for capacity) waits out its force
   * even when the lookahead reaches it, and one another scanner holds waits out that lease:
   * trying either would only be refused. A dequeue that frees capacity clears a force.
   */
  private leasable(partitions: PartitionInfo[]): PartitionInfo[] {
    const now = this.env.clock.now();
    return partitions.filter(
      (p) =>
        (p.forcedUntil === undefined || p.forcedUntil <= now) &&
        (p.leaseId === undefined || ulidTime(p.leaseId) + this.shard.graceMs <= now),
    );
  }

  private limitsFor(p: PartitionRef): ConcurrencyLimits {
    const { limits } = this.env.opts;
    if (p.queueName !== undefined)
      return { function: limits.system?.(p.queueName) ?? DEFAULT_SYSTEM_CONCURRENCY };
    return {
      account:
        p.accountId === undefined
          ? undefined
          : (limits.account?.(p.accountId) ?? DEFAULT_ACCOUNT_CONCURRENCY),
      function:
        p.functionId === undefined
          ? undefined
          : (limits.function?.(p.functionId, p.accountId ?? '') ?? DEFAULT_FUNCTION_CONCURRENCY),
    };
  }

  private shuffle<T>(xs: T[]): T[] {
    if (this.sequential()) return xs;
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.env.random.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** Partitions grouped by account; system queues (no account) form one group. */
function groupByAccount(partitions: PartitionInfo[]): PartitionInfo[][] {
  const groups = new Map<string, PartitionInfo[]>();
  for (const p of partitions) {
    const key = p.queueName === undefined ? `a:${p.accountId ?? ''}` : 'system';
    const group = groups.get(key) ?? [];
    group.push(p);
    groups.set(key, group);
  }
  return [...groups.values()];
}
