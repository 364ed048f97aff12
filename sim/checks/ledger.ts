import { decodeItem, ulidTime } from '../../src/internal.js';
import type { AttemptPlan } from '../workload.js';

/** What the checkers know of one item, from its enqueue on: its constraints, plan and fate. */
export interface ItemFacts {
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

/** An item's lease holder, as the checkers follow it. */
export interface Holder {
  item: string;
  process: string;
  leaseId: string;
  expiresAt: number;
}

/** Every enqueued item's facts, by ID. */
export class ItemLedger {
  readonly items = new Map<string, ItemFacts>();
  /** IDs in the order they were stored (again when stored again), for `hasUnfinished`. */
  private readonly stored: string[] = [];
  /** Every ID in stored[0, firstUnfinished) holds a terminal state. */
  private firstUnfinished = 0;

  /** Records an item the first time it is stored (its payload carries its plan). */
  enqueued(id: string, itemJson: string): void {
    const item = decodeItem(itemJson);
    const plan = (JSON.parse(item.payloadJson ?? '{}') as { plan: AttemptPlan[] }).plan;
    this.items.set(id, {
      pid: item.partitionId,
      accountId: item.accountId ?? '',
      customKeys: item.customKeys.map((c) => ({ key: c.canonical, limit: c.limit })),
      throttleKey: item.kind === 'start' && item.throttle ? item.throttle.canonical : null,
      plan,
      score: item.score,
      failures: 0,
      lastAttempt: 0,
      completions: 0,
      attempt: 0,
      terminal: null,
      terminalLease: null,
    });
    this.stored.push(id);
  }

  /**
   * Whether some item has no terminal state yet. The run asks after every event, so this is
   * amortized O(1): a terminal state is final (only a new store replaces the facts, and pushes
   * the ID again), so the items before the first unfinished one never need looking at again.
   */
  hasUnfinished(): boolean {
    while (this.firstUnfinished < this.stored.length) {
      if (!this.items.get(this.stored[this.firstUnfinished]!)!.terminal) return true;
      this.firstUnfinished++;
    }
    return false;
  }

  get(id: string): ItemFacts | undefined {
    return this.items.get(id);
  }
}

/** Who holds each item (as last granted), and each item's latest lease ID. */
export class LeaseLedger {
  readonly holders = new Map<string, Holder>();
  readonly latest = new Map<string, string>();

  grant(process: string, id: string, leaseId: string): Holder {
    const holder = { item: id, process, leaseId, expiresAt: ulidTime(leaseId) };
    this.holders.set(id, holder);
    this.latest.set(id, leaseId);
    return holder;
  }

  /** An extension replaced the lease: the holder keeps the item under the new one. */
  renew(id: string, newLeaseId: string): void {
    this.latest.set(id, newLeaseId);
    const h = this.holders.get(id);
    if (h) this.holders.set(id, { ...h, leaseId: newLeaseId, expiresAt: ulidTime(newLeaseId) });
  }

  release(id: string): void {
    this.holders.delete(id);
  }

  /** Drops holders whose lease is long gone (keeps the concurrency count cheap). */
  prune(t: number, slackMs: number): void {
    for (const [id, h] of this.holders) if (h.expiresAt + slackMs < t) this.holders.delete(id);
  }
}
