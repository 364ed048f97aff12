import {
  decodeItem,
  STATE_SCRIPTS,
  ulidTime,
  type QueueItem,
  type ScriptArg,
} from '../../src/internal.js';
import { decodeCall, type CallEvent } from '../checks/events.js';
import { LeaseLedger } from '../checks/ledger.js';
import type { SimEventData } from './functions.js';
import {
  checkItemFlow,
  expectedFlow,
  KeyBinding,
  STEP_KINDS,
  type ExpectedFlow,
} from './flow-expect.js';

export interface FlowAuditorHost {
  now(): number;
  fail(invariant: string, message: string): void;
  readonly maxSkewMs: number;
}

interface FlowRun {
  runId: string;
  fn: string;
  startMs: number;
  want: ExpectedFlow;
  /** Its start item was leased (the run's admission, for the throttle). */
  admitted: boolean;
}

const S = STATE_SCRIPTS;
/** Statuses of commitStep, finishRun, resumePause whose fence passed: the caller's item is gone. */
const ACKED = new Set(['OK', 'RUN_NOT_FOUND', 'RUN_ENDED', 'MEMO_CONFLICT', 'PAUSE_GONE']);

/**
 * Flow control of the executor's runs, judged from every executor script call that reached Redis
 * (see sim/executor/README): which items exist (enqueued by the queue's and the run-state
 * scripts), and who holds a lease on which (granted by a lease, a pass or a commit's chained
 * lease; released by an ack, a requeue, a commit, a resume, a finish's sweep or the scavenger).
 *
 * What the limits count is leases, not SDK requests: a lease counts from its grant until it is
 * released or its expiry (in its holder's clock, at or ahead of virtual time) has passed. A
 * request whose lease expired may still be running at the SDK beside the re-leased item's
 * (at-least-once delivery): that is allowed, and neither it nor the commit it may still make
 * counts. The product counts another process's lease until expiry + grace, so it counts at least
 * these: a count over the limit is a lease the product granted past its own limit.
 */
export class FlowAuditor {
  readonly items = new Map<string, QueueItem>();
  readonly runs = new Map<string, FlowRun>();
  private readonly itemsOfRun = new Map<string, Set<string>>();
  private readonly leases = new LeaseLedger();
  private readonly keys = new KeyBinding();
  /** throttle key -> virtual ms of each run start (its start item's first lease). */
  private readonly admissions = new Map<string, number[]>();
  readonly counts = { grants: 0, unknownGrants: 0, admissions: 0 };

  constructor(private readonly host: FlowAuditorHost) {}

  observe(script: string, raw: readonly ScriptArg[], reply: unknown, process: string): void {
    for (const e of decodeCall(script, raw, reply)) this.queueEvent(process, e);
    switch (script) {
      case 'createRun':
        return this.runCreated(raw, reply);
      case 'commitStep':
        return this.stepCommitted(process, raw, reply);
      case 'resumePause':
        return this.pauseResumed(raw, reply);
      case 'finishRun':
        return this.runFinished(raw, reply);
    }
  }

  private queueEvent(process: string, e: CallEvent): void {
    switch (e.type) {
      case 'enqueued':
        return this.stored(e.itemJson, this.host.now());
      case 'granted':
        return this.granted(process, e.itemId, e.leaseId);
      case 'fenced':
        if (e.newLeaseId) return this.leases.renew(e.itemId, e.newLeaseId);
        return this.release(e.itemId, e.leaseId);
      case 'scavenged':
        for (const id of e.itemIds) this.leases.release(id);
        return;
    }
  }

  private runCreated(raw: readonly ScriptArg[], reply: unknown): void {
    if (S.createRun.status((reply as unknown[])[0]) !== 'OK') return;
    const { args } = S.createRun.decodeArgs(raw);
    const fn = (JSON.parse(args.metaJson) as { fn: string }).fn;
    const events = JSON.parse(args.eventsJson) as { data?: Partial<SimEventData> }[];
    // a run ID is a ULID of its creation: the run's start, as its items are scored
    const startMs = ulidTime(args.runId);
    const want = expectedFlow(fn, events[0]?.data ?? {});
    this.runs.set(args.runId, { runId: args.runId, fn, startMs, want, admitted: false });
    this.stored(args.itemJson, Number(args.now));
  }

  private stepCommitted(process: string, raw: readonly ScriptArg[], reply: unknown): void {
    const r = reply as unknown[];
    const status = S.commitStep.status(r[0]);
    const { args, entries } = S.commitStep.decodeArgs(raw);
    if (ACKED.has(status)) this.release(args.itemId, args.leaseId);
    if (status !== 'OK') return;
    for (const e of entries)
      if (e.type === 'item' || e.type === 'item-if-done') this.stored(e.json, Number(args.now));
    if (r[2] === 1) this.granted(process, args.chainItemId, args.chainLeaseId);
  }

  private pauseResumed(raw: readonly ScriptArg[], reply: unknown): void {
    const status = S.resumePause.status((reply as unknown[])[0]);
    const { args } = S.resumePause.decodeArgs(raw);
    if (args.mode === 'timeout' && ACKED.has(status))
      this.release(args.timeoutItemId, args.leaseId);
    if (status === 'OK' && args.continuationId !== '')
      this.stored(args.continuationJson, Number(args.now));
  }

  /** A finish removes the caller's item and sweeps the run's others, leased ones too. */
  private runFinished(raw: readonly ScriptArg[], reply: unknown): void {
    const status = S.finishRun.status((reply as unknown[])[0]);
    const { args } = S.finishRun.decodeArgs(raw);
    if (ACKED.has(status) && args.itemId !== '') this.release(args.itemId, args.leaseId);
    if (status !== 'OK') return;
    const runId = decodeItem(args.finishItemJson).runId ?? '';
    for (const id of this.itemsOfRun.get(runId) ?? [])
      if (this.items.get(id)?.kind !== 'finish') this.leases.release(id);
    this.stored(args.finishItemJson, Number(args.now));
  }

  /** An item as a script stored it (or offered it: an existing ID keeps its first facts). */
  private stored(itemJson: string, now: number): void {
    const item = decodeItem(itemJson);
    if (this.items.has(item.id)) return;
    this.items.set(item.id, item);
    const run = item.runId === undefined ? undefined : this.runs.get(item.runId);
    if (!run) return;
    const ids = this.itemsOfRun.get(run.runId) ?? new Set<string>();
    ids.add(item.id);
    this.itemsOfRun.set(run.runId, ids);
    checkItemFlow(
      item,
      run.want,
      { startMs: run.startMs, label: `${run.runId} (${run.fn})` },
      { now, maxSkewMs: this.host.maxSkewMs, keys: this.keys, fail: (i, m) => this.fail(i, m) },
    );
  }

  /** A release by the lease that holds the item (a stale holder's call releases nothing). */
  private release(id: string, leaseId: string): void {
    if (this.leases.holders.get(id)?.leaseId === leaseId) this.leases.release(id);
  }

  private granted(process: string, id: string, leaseId: string): void {
    this.counts.grants++;
    this.leases.grant(process, id, leaseId);
    const item = this.items.get(id);
    const run = item?.runId === undefined ? undefined : this.runs.get(item.runId);
    if (!item || !run) {
      this.counts.unknownGrants++;
      return;
    }
    this.checkLimits(item, run);
    if (item.kind === 'start' && !run.admitted) {
      run.admitted = true;
      if (run.want.throttle) this.admitted(run.want.throttle);
    }
  }

  /** Live leases per key of the granted item's run, and of its function, within the limits. */
  private checkLimits(item: QueueItem, run: FlowRun): void {
    const t = this.host.now();
    const step = STEP_KINDS.has(item.kind);
    const keys = step ? run.want.keys : [];
    const limit = run.want.fnLimit;
    if (keys.length === 0 && limit === null) return;
    const perKey = new Map<string, number>(keys.map((k) => [k.id, 0]));
    let perFn = 0;
    for (const [hid, h] of this.leases.holders) {
      const other = h.expiresAt > t ? this.items.get(hid) : undefined;
      const theirs = other?.runId === undefined ? undefined : this.runs.get(other.runId);
      if (!other || !theirs) continue;
      if (other.partitionId === item.partitionId) perFn++;
      if (!STEP_KINDS.has(other.kind)) continue;
      for (const k of theirs.want.keys) {
        const n = perKey.get(k.id);
        if (n !== undefined) perKey.set(k.id, n + 1);
      }
    }
    for (const k of keys)
      if (perKey.get(k.id)! > k.limit)
        this.fail(
          'key-concurrency',
          `${perKey.get(k.id)} live leases of step items keyed ${k.id} (limit ${k.limit}), the latest ${item.kind} item ${item.id} of run ${run.runId}`,
        );
    if (limit !== null && perFn > limit)
      this.fail(
        'function-concurrency',
        `${perFn} live leases of ${run.fn}'s items (its own limit ${limit}), the latest ${item.kind} item ${item.id}`,
      );
  }

  /**
   * A run start under a throttle: in every window T (ending at this start), starts stay within
   * limit + burst + floor((T + skew)·limit/period), the GCRA bound (contract point 4). The
   * product's GCRA runs on every lease of a start item; the first lease of each is a subset.
   */
  private admitted(th: NonNullable<ExpectedFlow['throttle']>): void {
    this.counts.admissions++;
    const t = this.host.now();
    const times = this.admissions.get(th.id) ?? [];
    times.push(t);
    this.admissions.set(th.id, times);
    for (let i = 0; i < times.length; i++) {
      const window = t - times[i]!;
      const bound =
        th.limit + th.burst + Math.floor(((window + this.host.maxSkewMs) * th.limit) / th.periodMs);
      if (times.length - i > bound)
        return this.fail(
          'run-throttle',
          `${th.id}: ${times.length - i} run starts within ${window} ms, bound ${bound}`,
        );
    }
  }

  /** The keys and partitions whose in-progress sets the slot audit reads. */
  inProgressSets(): { partitions: Set<string>; customKeys: Set<string>; accounts: Set<string> } {
    const out = {
      partitions: new Set<string>(),
      customKeys: new Set<string>(),
      accounts: new Set<string>(),
    };
    for (const item of this.items.values()) {
      out.partitions.add(item.partitionId);
      if (item.accountId) out.accounts.add(item.accountId);
      for (const c of item.customKeys) out.customKeys.add(c.canonical);
    }
    return out;
  }

  prune(t: number): void {
    this.leases.prune(t, this.host.maxSkewMs);
  }

  private fail(invariant: string, message: string): void {
    this.host.fail(invariant, message);
  }
}
