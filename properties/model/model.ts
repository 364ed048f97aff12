import { ulidTime } from '../../src/internal.js';

/** A small in-memory model of one queue shard: what each item is, where it lives, who holds it. */
export interface ModelItem {
  id: string;
  pid: string;
  account: string;
  customKey: string | null;
  customLimit: number;
  score: number;
  attempt: number;
  generation: number;
  home: 'ready' | 'leased';
  /** The lease entry Redis keeps (possibly expired) until dequeue, requeue or scavenge. */
  lease: string | null;
  /** Leases this item held before, for stale-lease commands. */
  pastLeases: string[];
}

export interface Model {
  now: number;
  items: Map<string, ModelItem>;
  tombstones: Map<string, { expiresAt: number; leaseId: string }>;
  partitionLeases: Map<string, string>;
  limits: { function: number; account: number };
  tombstoneTtlMs: number;
  /** The shard's clock-skew bound: others count a lease until expiry + graceMs. */
  graceMs: number;
  /** How often each situation of interest came up (see model.test.ts, which requires some). */
  coverage: Map<string, number>;
}

/** Counts one occurrence of a situation the suite must keep reaching. */
export function cover(m: Model, what: string): void {
  m.coverage.set(what, (m.coverage.get(what) ?? 0) + 1);
}

/** Live as its holder sees it (fencing): until its expiry. */
export const live = (m: Model, lease: string | null): boolean =>
  lease !== null && ulidTime(lease) > m.now;
/** Live as everyone else sees it (limits, re-leasing, cancelling): until expiry + grace. */
export const liveForOthers = (m: Model, lease: string | null): boolean =>
  lease !== null && ulidTime(lease) + m.graceMs > m.now;

/** Live leases counted against one constraint. */
export function liveCount(m: Model, match: (i: ModelItem) => boolean): number {
  let n = 0;
  for (const i of m.items.values()) if (match(i) && liveForOthers(m, i.lease)) n++;
  return n;
}

/** What a lease (or a batch item) must answer; Lua checks: exists, leased, ck, fn, account. */
export function predictLease(m: Model, id: string): string {
  const item = m.items.get(id);
  if (!item) return 'not-found';
  if (liveForOthers(m, item.lease)) return 'already-leased';
  if (
    item.customKey !== null &&
    liveCount(m, (i) => i.customKey === item.customKey) >= item.customLimit
  ) {
    return 'custom-key-1-limit';
  }
  if (liveCount(m, (i) => i.pid === item.pid) >= m.limits.function) return 'function-limit';
  if (liveCount(m, (i) => i.account === item.account) >= m.limits.account) return 'account-limit';
  return 'ok';
}

/** What a fenced call (extend, requeue, dequeue with a lease) must answer. */
export function predictFence(m: Model, id: string, leaseId: string): string {
  const item = m.items.get(id);
  if (!item) return 'not-found';
  if (item.lease === null) return 'not-leased';
  if (item.lease !== leaseId) return 'lease-mismatch';
  if (!live(m, item.lease)) return 'lease-expired';
  return 'ok';
}

export function predictDequeue(m: Model, id: string, leaseId: string | null): string {
  const item = m.items.get(id);
  if (!item) {
    const t = m.tombstones.get(id);
    return leaseId !== null && t !== undefined && t.leaseId === leaseId ? 'ok' : 'not-found';
  }
  if (leaseId === null) return liveForOthers(m, item.lease) ? 'already-leased' : 'ok';
  return predictFence(m, id, leaseId);
}

export function predictEnqueue(m: Model, id: string): string {
  const t = m.tombstones.get(id);
  if (t && t.expiresAt > m.now) return 'tombstoned';
  return m.items.has(id) ? 'exists' : 'enqueued';
}

export function describeModel(m: Model): string {
  return [...m.items.values()]
    .map((i) => `${i.id}@${i.pid}:${i.home}${i.lease ? `(${ulidTime(i.lease) - m.now}ms)` : ''}`)
    .join(' ');
}
