import type { ScriptArg } from '../../src/internal.js';
import type { Workload } from '../workload.js';
import type { Checker, CheckContext, ProcessView, Violation } from './checker.js';
import { concurrencyChecker } from './concurrency.js';
import { decodeCall, type CallEvent } from './events.js';
import { fencing } from './fencing.js';
import { IdempotencyChecker, type EnqueueMet } from './idempotency.js';
import { ItemLedger, LeaseLedger, type Holder, type ItemFacts } from './ledger.js';
import { fifoOrder } from './order.js';
import { OutcomeChecker } from './outcomes.js';
import { PartitionLeaseChecker } from './partition-lease.js';
import { singleHolder } from './single-holder.js';
import { ThrottleChecker } from './throttle.js';

export type { EnqueueMet, Holder, ItemFacts, ProcessView, Violation };

/**
 * Checks the correctness contract from what it is told: every script call that reached Redis,
 * with Redis's reply (decoded into events by the scripts' specs), and handler starts and ends.
 * Each invariant is one checker (this folder); the ledgers hold what they share. Safety
 * violations are collected; liveness is judged at the end of the run.
 */
export class Auditor {
  readonly violations: Violation[] = [];
  private readonly ledger = new ItemLedger();
  private readonly leases = new LeaseLedger();
  private readonly outcomes = new OutcomeChecker();
  private readonly throttle: ThrottleChecker;
  private readonly idempotency = new IdempotencyChecker();
  private readonly checkers: Checker[];
  private readonly ctx: CheckContext;

  constructor(
    workload: Workload,
    view: ProcessView,
    private readonly maxSkewMs: number,
    private readonly now: () => number,
  ) {
    this.throttle = new ThrottleChecker(workload);
    // Order matters only for which violation is reported first.
    this.checkers = [
      this.idempotency,
      this.outcomes,
      fencing,
      singleHolder,
      concurrencyChecker(workload),
      this.throttle,
      fifoOrder,
      new PartitionLeaseChecker(),
    ];
    this.ctx = {
      fail: (invariant, message) => this.fail(invariant, message),
      now,
      view,
      maxSkewMs,
      items: this.ledger,
      leases: this.leases,
    };
  }

  get items(): ReadonlyMap<string, ItemFacts> {
    return this.ledger.items;
  }

  get duplicates(): number {
    return this.outcomes.duplicates;
  }

  /** What the run's enqueues met: new items, and duplicates of queued, leased, finished ones. */
  get enqueuesMet(): Readonly<Record<EnqueueMet, number>> {
    return this.idempotency.met;
  }

  get dequeuedPerAccount(): ReadonlyMap<string, number> {
    return this.outcomes.dequeuedPerAccount;
  }

  fail(invariant: string, message: string): void {
    this.violations.push({ invariant, virtualMs: this.now(), message });
  }

  /** Every script call that reached Redis, with Redis's reply (even if the caller lost it). */
  observe(process: string, script: string, args: readonly ScriptArg[], reply: unknown): void {
    for (const e of decodeCall(script, args, reply)) this.apply(process, e);
  }

  /** Feeds one event through the checkers and the ledgers (public for the checkers' tests). */
  apply(process: string, e: CallEvent): void {
    if (this.isRepeatedAck(e)) return;
    for (const c of this.checkers) c.before?.(process, e, this.ctx);
    this.record(process, e);
    for (const c of this.checkers) c.after?.(process, e, this.ctx);
  }

  /** The same lease dequeuing again: a holder retrying an ack whose reply was lost. */
  private isRepeatedAck(e: CallEvent): boolean {
    if (e.type !== 'fenced' || e.op !== 'dequeue' || e.leaseId === '') return false;
    const item = this.ledger.get(e.itemId);
    return item?.terminal != null && item.terminalLease === e.leaseId;
  }

  private record(process: string, e: CallEvent): void {
    switch (e.type) {
      case 'enqueued':
        return this.ledger.enqueued(e.itemId, e.itemJson);
      case 'granted':
        return void this.leases.grant(process, e.itemId, e.leaseId);
      case 'fenced':
        if (e.newLeaseId) return this.leases.renew(e.itemId, e.newLeaseId);
        return this.leases.release(e.itemId);
      case 'scavenged':
        for (const id of e.itemIds) this.leases.release(id);
        return;
    }
  }

  onHandlerStart(id: string, attempt: number): void {
    this.outcomes.handlerStarted(id, attempt, this.ctx);
  }

  onHandlerEnd(id: string, attempt: number, outcome: string): void {
    this.outcomes.handlerEnded(id, attempt, outcome, this.ctx);
  }

  onPermanentFailure(id: string, attempt: number, maxAttempts: number, retriable: boolean): void {
    this.outcomes.permanentFailure(id, attempt, maxAttempts, retriable, this.ctx);
  }

  /** Contract point 4 over every admission of the run. */
  checkThrottles(): void {
    this.throttle.checkWindows(this.ctx);
  }

  /** Whether some item is still without a terminal state (cheap: asked after every event). */
  hasPendingItems(): boolean {
    return this.ledger.hasUnfinished();
  }

  /** Items still without a terminal state (for liveness). */
  pendingItems(): string[] {
    return [...this.ledger.items.entries()].filter(([, f]) => !f.terminal).map(([id]) => id);
  }

  /** Drops holders whose lease is long gone (keeps the concurrency count cheap). */
  prune(t: number): void {
    this.leases.prune(t, this.maxSkewMs);
  }

  liveLeases(): Holder[] {
    const t = this.now();
    return [...this.leases.holders.values()].filter((h) => h.expiresAt > t);
  }
}
