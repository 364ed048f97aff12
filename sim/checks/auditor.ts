import { ulidTime } from '../../src/index.js';
import type { AttemptPlan, Workload } from '../workload.js';
import { expectedOutcome, MAX_ATTEMPTS } from '../workload.js';

export interface Violation {
  invariant: string;
  virtualMs: number;
  message: string;
}

export interface Holder {
  item: string;
  process: string;
  leaseId: string;
  expiresAt: number;
}

interface ItemFacts {
  pid: string;
  accountId: string;
  customKeys: { key: string; limit: number }[];
  throttleKey: string | null;
  plan: AttemptPlan[];
  score: number;
  /** Failed attempts the handlers reported (an upper bound on the attempt counter). */
  failures: number;
  lastAttempt: number;
  completions: number;
  /** The attempt counter as Redis holds it, followed through observed requeues. */
  attempt: number;
  terminal: 'completed' | 'failed' | null;
  /** The lease whose dequeue ended the item (a repeat by the same lease is an idempotent retry). */
  terminalLease: string | null;
}

/** A process's view of time: its clock offset from virtual time, and whether it is alive. */
export type ProcessView = (process: string) => { skewMs: number; alive: boolean };

/**
 * Checks the correctness contract from what it is told: every script call with its real result,
 * handler starts and ends. Safety violations are collected; liveness is judged at the end.
 */
export class Auditor {
  readonly violations: Violation[] = [];
  readonly items = new Map<string, ItemFacts>();
  private readonly holders = new Map<string, Holder>();
  private readonly latestLease = new Map<string, string>();
  readonly admissions = new Map<
    string,
    { limit: number; burst: number; periodMs: number; times: number[] }
  >();
  private readonly limitOf = new Map<string, number>();
  private readonly throttleOf = new Map<
    string,
    { limit: number; burst: number; periodMs: number }
  >();
  private readonly partitionHolders = new Map<string, Holder>();
  duplicates = 0;
  dequeuedPerAccount = new Map<string, number>();

  constructor(
    private readonly workload: Workload,
    private readonly view: ProcessView,
    private readonly maxSkewMs: number,
    private readonly now: () => number,
  ) {
    for (const fn of workload.functions)
      this.limitOf.set(`fn:fn:${fn.accountId}:${fn.functionId}`, fn.concurrency);
    for (const [a, l] of workload.accountConcurrency) this.limitOf.set(`account:${a}`, l);
    // The throttle bound comes from the workload's configuration, not from what the product sends.
    for (const fn of workload.functions) {
      if (fn.throttle) this.throttleOf.set(`${fn.accountId}:${fn.functionId}`, fn.throttle);
    }
  }

  fail(invariant: string, message: string): void {
    this.violations.push({ invariant, virtualMs: this.now(), message });
  }

  /** Every script call that reached Redis, with Redis's reply (even if the caller lost it). */
  observe(process: string, name: string, args: readonly (string | number)[], reply: unknown): void {
    const a = args.map(String);
    switch (name) {
      case 'enqueue':
        if (reply === 0) this.onEnqueued(a[0]!, a[1]!);
        break;
      case 'lease':
        if ((reply as number[])[0] === 0) {
          this.grant(process, a[0]!, a[2]!, Number(a[3]));
          const th = this.items.get(a[0]!)?.throttleKey;
          if (th) this.admit(th);
        }
        break;
      case 'partitionLease':
        this.onPartitionLease(process, a, reply as number[]);
        break;
      case 'partitionRequeue':
        this.onPartitionRequeue(process, a, reply as number);
        break;
      case 'leaseBatch':
        this.onLeaseBatch(process, a, reply as number[]);
        break;
      case 'partitionPass':
        this.onPartitionPass(process, a, reply as [number, string[], unknown, number[], number]);
        break;
      case 'extendLease':
        if (reply === 0) this.onFenced('extend', process, a[0]!, a[2]!, Number(a[4]), a[3]!);
        break;
      case 'dequeue':
        if (reply === 0) this.onDequeued(process, a[0]!, a[2]!, Number(a[3]));
        break;
      case 'dequeueBatch': {
        const codes = reply as number[];
        for (let i = 0; i < Number(a[3]); i++) {
          // ARGV: now, grace, channel, N, then per item: id, pid, leaseId, accountId, ttl
          if (codes[i] === 0) this.onDequeued(process, a[4 + i * 5]!, a[6 + i * 5]!, Number(a[0]));
        }
        break;
      }
      case 'requeue':
        if (reply === 0)
          this.onRequeued(process, a[0]!, a[2]!, Number(a[3]), Number(a[4]), Number(a[5]));
        break;
      case 'scavengePartition':
        for (const id of (reply as [number, string[]])[1]) this.holders.delete(id);
        break;
    }
  }

  private onEnqueued(id: string, json: string): void {
    const stored = JSON.parse(json) as {
      p: string;
      a?: string;
      k: string;
      score: number;
      ck?: { k: string; l: number }[];
      th?: { k: string };
      d: string;
    };
    const plan = (JSON.parse(stored.d) as { plan: AttemptPlan[] }).plan;
    this.items.set(id, {
      pid: stored.p,
      accountId: stored.a ?? '',
      customKeys: (stored.ck ?? []).map((c) => ({ key: c.k, limit: c.l })),
      throttleKey: stored.k === 'start' && stored.th ? stored.th.k : null,
      plan,
      score: stored.score,
      failures: 0,
      lastAttempt: 0,
      completions: 0,
      attempt: 0,
      terminal: null,
      terminalLease: null,
    });
  }

  /** leaseBatch ARGV: pid, now, grace, account limit, fn limit, fifo, N, then 10 per item. */
  private onLeaseBatch(process: string, a: string[], codes: number[]): void {
    const fifo = a[5] === '1';
    let stopped = false;
    let lastScore = -Infinity;
    for (let i = 0; i < Number(a[6]); i++) {
      const b = 7 + i * 10;
      const id = a[b]!;
      const code = codes[2 * i]!;
      if (fifo && stopped && code !== -12) {
        this.fail(
          'order',
          `FIFO batch on ${a[0]} went on past a function/account limit (${id}, code ${code})`,
        );
      }
      if (code === -3 || code === -6) stopped = true;
      if (code !== 0) continue;
      const score = this.items.get(id)?.score ?? 0;
      if (fifo && score < lastScore)
        this.fail('order', `FIFO batch on ${a[0]} leased ${id} out of score order`);
      lastScore = score;
      this.grant(process, id, a[b + 1]!, Number(a[1]));
      const th = this.items.get(id)?.throttleKey;
      if (th) this.admit(th);
    }
  }

  /**
   * partitionPass ARGV: pid, now, grace, until, want, account limit, fn limit, fifo, accountId,
   * channel, concurrency requeue ms, requeue at, then the lease IDs (the n-th leased takes the
   * n-th); reply {0, ids, JSONs, codes, previous last}. One atomic call: it must not succeed while
   * another process holds the partition, and it leases like a FIFO batch.
   */
  private onPartitionPass(
    process: string,
    a: string[],
    reply: [number, string[], unknown, number[], number],
  ): void {
    if (reply[0] !== 0) return;
    const pid = a[0]!;
    const prev = this.partitionHolders.get(pid);
    if (prev && reply[4] !== 0) {
      const v = this.view(prev.process);
      if (v.alive && prev.expiresAt > this.now() + v.skewMs)
        this.fail('partition-lease', `${pid} passed by ${process} while ${prev.process} holds it`);
    }
    this.partitionHolders.delete(pid);
    const fifo = a[7] === '1';
    let stopped = false;
    let lastScore = -Infinity;
    reply[3].forEach((code) => {
      if (fifo && stopped && code !== -12)
        this.fail('order', `FIFO pass on ${pid} went on past a function/account limit`);
      if (code === -3 || code === -6) stopped = true;
    });
    reply[1].forEach((id, n) => {
      const score = this.items.get(id)?.score ?? 0;
      if (fifo && score < lastScore)
        this.fail('order', `FIFO pass on ${pid} leased ${id} out of score order`);
      lastScore = score;
      this.grant(process, id, a[12 + n]!, Number(a[1]));
      const th = this.items.get(id)?.throttleKey;
      if (th) this.admit(th);
    });
  }

  private grant(process: string, id: string, leaseId: string, processNow: number): void {
    const t = this.now();
    const prev = this.holders.get(id);
    if (prev) {
      const prevView = this.view(prev.process);
      if (prevView.alive && prev.expiresAt > t + prevView.skewMs) {
        this.fail(
          'single-holder',
          `${id} leased by ${process} while ${prev.process} still holds a live lease`,
        );
      }
    }
    const expiresAt = ulidTime(leaseId);
    if (expiresAt <= processNow) this.fail('lease', `${id}: granted lease already expired`);
    this.holders.set(id, { item: id, process, leaseId, expiresAt });
    this.latestLease.set(id, leaseId);
    this.checkConcurrency(id, t);
  }

  /**
   * Live leases per function, account and custom key never exceed the limits the granted item
   * was leased under. A lease counts while its expiry (in its holder's clock, which runs at or
   * ahead of virtual time) is later than now: a superset of the truly live ones.
   */
  private checkConcurrency(id: string, t: number): void {
    const item = this.items.get(id);
    if (!item) return;
    const limits = new Map<string, number | undefined>([
      [`fn:${item.pid}`, this.limitOf.get(`fn:${item.pid}`)],
      [`account:${item.accountId}`, this.limitOf.get(`account:${item.accountId}`)],
      ...item.customKeys.map((c) => [`ck:${c.key}`, c.limit] as [string, number]),
    ]);
    const counts = new Map<string, number>();
    for (const [hid, h] of this.holders) {
      const other = h.expiresAt > t ? this.items.get(hid) : undefined;
      if (!other) continue;
      const theirs = [
        `fn:${other.pid}`,
        `account:${other.accountId}`,
        ...other.customKeys.map((c) => `ck:${c.key}`),
      ];
      for (const k of theirs) if (limits.has(k)) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, n] of counts) {
      const limit = limits.get(k);
      if (limit !== undefined && n > limit)
        this.fail('concurrency', `${n} live leases on ${k}, limit ${limit}`);
    }
  }

  private admit(key: string): void {
    const config = this.throttleOf.get(key);
    if (!config)
      return this.fail(
        'throttle',
        `${key}: an admission under a throttle the workload never configured`,
      );
    const entry = this.admissions.get(key) ?? { ...config, times: [] };
    entry.times.push(this.now());
    this.admissions.set(key, entry);
  }

  /**
   * partitionLease ARGV: pid, leaseId, now, accountId; reply {0, previous last}. A partition has
   * one scanner at a time: a grant while another process holds a live lease is a violation,
   * unless the partition was collected and recreated meanwhile (previous last = 0).
   */
  private onPartitionLease(process: string, a: string[], reply: number[]): void {
    if (reply[0] !== 0) return;
    const pid = a[0]!;
    const prev = this.partitionHolders.get(pid);
    if (prev && reply[1] !== 0) {
      const v = this.view(prev.process);
      if (v.alive && prev.process !== process && prev.expiresAt > this.now() + v.skewMs) {
        this.fail('partition-lease', `${pid} leased by ${process} while ${prev.process} holds it`);
      }
    }
    this.partitionHolders.set(pid, {
      item: pid,
      process,
      leaseId: a[1]!,
      expiresAt: ulidTime(a[1]!),
    });
  }

  /** partitionRequeue ARGV: pid, leaseId ('' unfenced), …; fenced, it needs the current lease. */
  private onPartitionRequeue(process: string, a: string[], reply: number): void {
    if (reply !== 0 && reply !== -11) return;
    const pid = a[0]!;
    const holder = this.partitionHolders.get(pid);
    if (a[1] !== '' && holder && holder.leaseId !== a[1]) {
      this.fail(
        'partition-lease',
        `${pid}: requeue by ${process} succeeded with a stale partition lease`,
      );
    }
    this.partitionHolders.delete(pid);
  }

  /** A fenced call succeeded: its lease must be the item's latest and live at the caller's now. */
  private onFenced(
    op: string,
    process: string,
    id: string,
    leaseId: string,
    processNow: number,
    newLeaseId?: string,
  ): void {
    const latest = this.latestLease.get(id);
    if (leaseId !== '' && latest !== leaseId)
      this.fail('fencing', `${op} of ${id} by ${process} succeeded with a stale lease`);
    if (leaseId !== '' && ulidTime(leaseId) <= processNow) {
      this.fail('fencing', `${op} of ${id} by ${process} succeeded with an expired lease`);
    }
    if (newLeaseId) {
      this.latestLease.set(id, newLeaseId);
      const h = this.holders.get(id);
      if (h) this.holders.set(id, { ...h, leaseId: newLeaseId, expiresAt: ulidTime(newLeaseId) });
    }
  }

  private onDequeued(process: string, id: string, leaseId: string, processNow: number): void {
    const item = this.items.get(id);
    if (item?.terminal) {
      // The same lease again: a holder retrying an ack whose reply was lost; it changed nothing.
      if (leaseId !== '' && item.terminalLease === leaseId) return;
      return this.fail('single-home', `${id} dequeued twice (by ${process}, lease ${leaseId})`);
    }
    this.onFenced('dequeue', process, id, leaseId, processNow);
    this.holders.delete(id);
    if (!item) return;
    item.terminalLease = leaseId;
    const planned = item.plan[Math.min(item.attempt, item.plan.length - 1)]!;
    item.terminal = planned.outcome === 'ok' ? 'completed' : 'failed';
    this.dequeuedPerAccount.set(
      item.accountId,
      (this.dequeuedPerAccount.get(item.accountId) ?? 0) + 1,
    );
    const retriable = planned.outcome === 'error' || planned.outcome === 'retry-at';
    if (retriable && item.attempt + 1 < MAX_ATTEMPTS) {
      this.fail(
        'retries',
        `${id} ended after a retriable failure at attempt ${item.attempt} of ${MAX_ATTEMPTS}`,
      );
    }
    const expected = expectedOutcome(item.plan);
    if (item.terminal !== expected)
      this.fail('retries', `${id} ended ${item.terminal}, its plan says ${expected}`);
  }

  private onRequeued(
    process: string,
    id: string,
    leaseId: string,
    processNow: number,
    at: number,
    increment: number,
  ): void {
    this.onFenced('requeue', process, id, leaseId, processNow);
    this.holders.delete(id);
    const item = this.items.get(id);
    if (!item) return;
    item.score = at;
    item.attempt += increment;
    if (increment > 0 && item.attempt > item.failures) {
      this.fail(
        'retries',
        `${id}: requeue consumed attempt ${item.attempt} after ${item.failures} failed attempts`,
      );
    }
  }

  onHandlerStart(id: string, attempt: number): void {
    const item = this.items.get(id);
    if (!item) return this.fail('no-loss', `handler ran ${id}, which was never enqueued`);
    if (attempt > item.failures) {
      this.fail(
        'retries',
        `${id} runs attempt ${attempt} after only ${item.failures} failed attempts (an attempt was consumed without a failure)`,
      );
    }
    if (attempt < item.lastAttempt)
      this.fail('retries', `${id} attempt went back from ${item.lastAttempt} to ${attempt}`);
    item.lastAttempt = attempt;
  }

  onHandlerEnd(id: string, attempt: number, outcome: string, leaseStillHeld: boolean): void {
    const item = this.items.get(id);
    if (!item) return;
    if (outcome === 'ok') {
      item.completions++;
      if (item.completions > 1) this.duplicates++;
    } else if (outcome !== 'fatal' && attempt + 1 > item.failures) {
      item.failures = attempt + 1;
    }
    void leaseStillHeld;
  }

  onPermanentFailure(id: string, attempt: number, maxAttempts: number, retriable: boolean): void {
    if (retriable && attempt + 1 < maxAttempts)
      this.fail('retries', `${id} failed permanently with attempts left`);
  }

  /** Contract point 4, skew allowed: admissions in a window T ≤ L + B + floor((T + skew)·L/P). */
  checkThrottles(): void {
    for (const [key, e] of this.admissions) {
      const t = e.times;
      for (let i = 0; i < t.length; i++) {
        for (let j = i; j < t.length; j++) {
          const bound =
            e.limit +
            e.burst +
            Math.floor(((t[j]! - t[i]! + this.maxSkewMs) * e.limit) / e.periodMs);
          if (j - i + 1 > bound) {
            this.fail(
              'throttle',
              `${key}: ${j - i + 1} admissions within ${t[j]! - t[i]!} ms, bound ${bound}`,
            );
            return;
          }
        }
      }
    }
  }

  /** Items still without a terminal state (for liveness), first few. */
  pendingItems(): string[] {
    return [...this.items.entries()].filter(([, f]) => !f.terminal).map(([id]) => id);
  }

  /** Drops holders whose lease is long gone (keeps the concurrency count cheap). */
  prune(t: number): void {
    for (const [id, h] of this.holders)
      if (h.expiresAt + this.maxSkewMs < t) this.holders.delete(id);
  }

  liveLeases(): Holder[] {
    const t = this.now();
    return [...this.holders.values()].filter((h) => h.expiresAt > t);
  }

  holderOf(id: string): Holder | undefined {
    return this.holders.get(id);
  }
}
