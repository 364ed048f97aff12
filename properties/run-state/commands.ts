import fc from 'fast-check';
import { expect } from 'vitest';
import { JobIds, type Pause, type QueueItem, type RunStore } from '../../src/internal.js';
import {
  expectMatches,
  FN,
  foreignLease,
  leaseTo,
  MAX_STATE,
  nextJob,
  runItem,
  stepPrefix,
  type RunModel,
  type RunReal,
} from './world.js';

type Cmd = fc.AsyncCommand<RunModel, RunReal>;

/** What the histories exercised (each command reports its case), for the suite's coverage check. */
export const coverage = new Map<string, number>();
function cover(what: string): void {
  coverage.set(what, (coverage.get(what) ?? 0) + 1);
}
/** The cases every CI run must reach, or the suite tests less than it says. */
export const REQUIRED = [
  'commit:committed',
  'commit:repeat-same-bytes',
  'commit:memo-conflict',
  'commit:stale-lease',
  'commit:run-ended',
  'commit:replayed',
  'wait',
  'resume:event',
  'resume:timeout',
  'resume:event-while-timeout-fired',
  'late-timeout:pause-gone',
  'fan-out',
  'branch:still-pending',
  'branch:last',
  'discover',
  'stray',
  'finish:cancelled',
  'finish:completed',
  'finish:failed',
  'finish:stale-lease',
  'finish:already-ended',
];
const STEPS = ['a', 'b', 'c'];

/** The run's items gone with it, and every handle on them (a finish sweeps them all). */
function swept(m: RunModel, r: RunReal): void {
  m.pause = null;
  m.timeout = null;
  m.pending = [];
  m.branches = [];
  m.discovery = false;
  m.leased = false;
  r.current = null;
  r.pause = null;
  r.branches.clear();
  r.discovery = null;
}

/**
 * Commit a step's result with the next item, by the current lease (or a stale one); `replay`
 * sends the same call again, as a holder whose reply was lost does.
 */
class Commit implements Cmd {
  constructor(
    readonly step: string,
    readonly bytes: string,
    readonly stale: boolean,
    readonly replay: boolean,
  ) {}
  check(m: Readonly<RunModel>): boolean {
    return m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const current = r.current as NonNullable<RunReal['current']>;
    const next = runItem(r, 'edge', nextJob(r, `after-${this.step}`));
    const input: Parameters<RunStore['commitStep']>[0] = {
      item: current.item,
      leaseId: this.stale ? foreignLease(r) : current.leaseId,
      entries: [
        { type: 'memo', stepId: this.step, memoJson: this.bytes },
        { type: 'item', item: next },
      ],
      maxStateBytes: MAX_STATE,
    };
    const out = await r.store.commitStep(input);
    if (this.stale) {
      cover('commit:stale-lease');
      expect(out.status).toBe('lease-lost');
      await expectMatches(m, r);
      return;
    }
    if (m.status !== 'open') {
      // Only the ack: no memo, no next item.
      cover('commit:run-ended');
      expect(out.status).toBe('run-ended');
    } else if (m.memo.has(this.step) && m.memo.get(this.step) !== this.bytes) {
      cover('commit:memo-conflict');
      expect(out.status).toBe('memo-conflict');
    } else {
      cover(m.memo.has(this.step) ? 'commit:repeat-same-bytes' : 'commit:committed');
      expect(out).toEqual({ status: 'committed', hasPending: false, chained: false });
      if (!m.memo.has(this.step)) {
        m.memo.set(this.step, this.bytes);
        m.stack.push(this.step);
        m.stateSize += this.bytes.length;
      }
      m.items.add(next.id);
    }
    m.items.delete(current.item.id);
    m.leased = false;
    r.current = null;
    await expectMatches(m, r);
    if (this.replay) {
      cover('commit:replayed');
      // The first call acked the item under this lease: the repeat answers OK, changes nothing.
      expect(await r.store.commitStep(input)).toEqual({
        status: 'committed',
        hasPending: false,
        chained: false,
      });
      await expectMatches(m, r);
    }
    if (out.status === 'committed') {
      await leaseTo(r, next);
      m.leased = true;
    }
  }
  toString(): string {
    const flags = `${this.stale ? ', stale' : ''}${this.replay ? ', replayed' : ''}`;
    return `commit(${this.step}=${this.bytes}${flags})`;
  }
}

/** The step item answers WaitForEvent: a pause and its timeout item, with the item's ack. */
class Wait implements Cmd {
  constructor(readonly step: string) {}
  check(m: Readonly<RunModel>): boolean {
    return m.leased && m.status === 'open' && m.pause === null && !m.memo.has(this.step);
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const current = r.current as NonNullable<RunReal['current']>;
    const timeoutItem = runItem(
      r,
      'pause',
      nextJob(r, `pause-${this.step}`),
      {},
      r.clock.now() + 60_000,
    );
    const pause: Pause = {
      id: `pause-${r.runId}-${r.seq}`,
      runId: r.runId,
      functionId: FN,
      kind: 'wait',
      stepId: this.step,
      event: 'model/go',
      expiresAt: r.clock.now() + 60_000,
      createdAt: r.clock.now(),
      triggerEventIds: ['evt'],
      jobPrefix: stepPrefix(FN, r.runId),
      maxAttempts: 3,
      timeoutItemId: timeoutItem.id,
    };
    const out = await r.store.commitStep({
      item: current.item,
      leaseId: current.leaseId,
      entries: [
        { type: 'pause', pause },
        { type: 'item', item: timeoutItem },
      ],
      maxStateBytes: MAX_STATE,
    });
    expect(out.status).toBe('committed');
    cover('wait');
    m.pause = this.step;
    m.timeout = 'queued';
    m.leased = false;
    m.items.delete(current.item.id);
    m.items.add(timeoutItem.id);
    r.current = null;
    r.pause = { pause, timeoutItem };
    await expectMatches(m, r);
  }
  toString(): string {
    return `wait(${this.step})`;
  }
}

/** The pause's timeout item comes due and is leased; its resume runs later (Resume). */
class FireTimeout implements Cmd {
  check(m: Readonly<RunModel>): boolean {
    return m.timeout === 'queued' && !m.lateTimeout;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const p = r.pause as NonNullable<RunReal['pause']>;
    const lease = await r.shard.lease(p.timeoutItem, { durationMs: 60_000 });
    if (!lease.ok) throw new Error(`lease of the timeout item refused: ${lease.reason}`);
    p.leaseId = lease.leaseId;
    m.timeout = 'leased';
    await expectMatches(m, r);
  }
  toString(): string {
    return 'fire-timeout';
  }
}

const RESUMED_BY = { event: '{"name":"model/go"}', timeout: 'null' } as const;

function pauseRecord(pause: Pause) {
  return {
    id: pause.stepId,
    name: pause.stepId,
    op: 'WaitForEvent',
    startedAt: 0,
    endedAt: 0,
    attempts: 1,
  };
}

/**
 * An event or the timeout resumes the pause; only the first does anything. An event that wins
 * while the timeout item is already leased leaves that item to its holder (LateTimeout).
 */
class Resume implements Cmd {
  constructor(readonly by: 'event' | 'timeout') {}
  check(m: Readonly<RunModel>): boolean {
    return m.pause !== null;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const p = r.pause as NonNullable<RunReal['pause']>;
    const { pause, timeoutItem } = p;
    const continuation = runItem(r, 'edge', nextJob(r, `resumed-${pause.stepId}`));
    const memoJson = RESUMED_BY[this.by];
    let leaseId = p.leaseId;
    if (this.by === 'timeout' && leaseId === undefined) {
      const lease = await r.shard.lease(timeoutItem, { durationMs: 60_000 });
      if (!lease.ok) throw new Error(`lease of the timeout item refused: ${lease.reason}`);
      leaseId = lease.leaseId;
    }
    const out = await r.store.resumePause({
      pause,
      memoJson,
      record: pauseRecord(pause),
      timeoutItem,
      continuation,
      ...(this.by === 'timeout' && leaseId !== undefined ? { leaseId } : {}),
    });
    expect(out).toEqual({ status: 'resumed', hasPending: false });
    const raced = this.by === 'event' && m.timeout === 'leased';
    cover(raced ? 'resume:event-while-timeout-fired' : `resume:${this.by}`);
    m.memo.set(pause.stepId, memoJson);
    m.stack.push(pause.stepId);
    m.stateSize += memoJson.length;
    m.pause = null;
    m.items.add(continuation.id);
    if (raced) {
      // Its holder is running it: the item stays, and its resume will find the pause gone.
      m.lateTimeout = true;
      r.late = { pause, timeoutItem, leaseId: p.leaseId as string };
    } else {
      m.items.delete(timeoutItem.id);
    }
    m.timeout = null;
    r.pause = null;
    await expectMatches(m, r);
    // Another event now finds the pause gone and changes nothing.
    const second = await r.store.resumePause({
      pause,
      memoJson: '"late"',
      record: pauseRecord(pause),
      timeoutItem,
      continuation,
    });
    expect(second.status).toBe('pause-gone');
    await expectMatches(m, r);
    await leaseTo(r, continuation);
    m.leased = true;
  }
  toString(): string {
    return `resume(${this.by})`;
  }
}

/** The fired timeout item of a pause an event consumed: it finds the pause gone (and is acked). */
class LateTimeout implements Cmd {
  check(m: Readonly<RunModel>): boolean {
    return m.lateTimeout;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const { pause, timeoutItem, leaseId } = r.late as NonNullable<RunReal['late']>;
    const out = await r.store.resumePause({
      pause,
      memoJson: RESUMED_BY.timeout,
      record: pauseRecord(pause),
      timeoutItem,
      continuation: runItem(r, 'edge', nextJob(r, `late-${pause.stepId}`)),
      leaseId,
    });
    if (m.items.has(timeoutItem.id)) {
      cover('late-timeout:pause-gone');
      expect(out.status).toBe('pause-gone');
      m.items.delete(timeoutItem.id);
    } else {
      // The run ended meanwhile and swept the item (keeping no tombstone).
      cover('late-timeout:swept');
      expect(out).toEqual({ status: 'lease-lost', reason: 'not-found' });
    }
    m.lateTimeout = false;
    r.late = null;
    await expectMatches(m, r);
  }
  toString(): string {
    return 'late-timeout';
  }
}

/** The step item answers with a parallel plan: one planned item per step, and the pending set. */
class FanOut implements Cmd {
  constructor(readonly width: number) {}
  check(m: Readonly<RunModel>): boolean {
    return (
      m.leased &&
      m.status === 'open' &&
      m.pause === null &&
      m.pending.length === 0 &&
      m.branches.length === 0 &&
      !m.discovery
    );
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const current = r.current as NonNullable<RunReal['current']>;
    const plan = ++r.seq;
    const steps = Array.from({ length: this.width }, (_, i) => `p${plan}-${i}`);
    const items = steps.map((s) =>
      runItem(r, 'edge', JobIds.planned(stepPrefix(FN, r.runId), s), { stepId: s }),
    );
    const out = await r.store.commitStep({
      item: current.item,
      leaseId: current.leaseId,
      entries: items.map((item) => ({ type: 'item' as const, item })),
      pending: steps,
      die: '1',
      maxStateBytes: MAX_STATE,
    });
    expect(out).toEqual({ status: 'committed', hasPending: true, chained: false });
    cover('fan-out');
    m.items.delete(current.item.id);
    for (const item of items) m.items.add(item.id);
    m.pending = [...steps];
    m.branches = [...steps];
    m.die = '1';
    m.leased = false;
    r.current = null;
    steps.forEach((s, i) => r.branches.set(s, items[i] as QueueItem));
    r.discovery = runItem(r, 'edge', JobIds.coalescedDiscovery(r.runId, `plan-${plan}`));
    await expectMatches(m, r);
  }
  toString(): string {
    return `fan-out(${this.width})`;
  }
}

/**
 * A planned step runs (leased and committed at once): its result, and the plan's coalesced
 * discovery as 'item-if-done', which only the last step to finish enqueues.
 */
class Branch implements Cmd {
  constructor(readonly pick: number) {}
  check(m: Readonly<RunModel>): boolean {
    return m.status === 'open' && m.branches.length > 0;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const step = m.branches[this.pick % m.branches.length] as string;
    const item = r.branches.get(step) as QueueItem;
    const lease = await r.shard.lease(item, { durationMs: 60_000 });
    if (!lease.ok) throw new Error(`lease of branch ${step} refused: ${lease.reason}`);
    const memoJson = JSON.stringify({ data: step });
    const out = await r.store.commitStep({
      item,
      leaseId: lease.leaseId,
      entries: [
        { type: 'memo', stepId: step, memoJson },
        { type: 'item-if-done', item: r.discovery as QueueItem },
      ],
      die: 'reset-if-done',
      maxStateBytes: MAX_STATE,
    });
    m.pending = m.pending.filter((s) => s !== step);
    m.branches = m.branches.filter((s) => s !== step);
    r.branches.delete(step);
    expect(out).toEqual({ status: 'committed', hasPending: m.pending.length > 0, chained: false });
    cover(m.pending.length > 0 ? 'branch:still-pending' : 'branch:last');
    m.memo.set(step, memoJson);
    m.stack.push(step);
    m.stateSize += memoJson.length;
    m.items.delete(item.id);
    if (m.pending.length === 0) {
      m.discovery = true;
      m.die = '0';
      m.items.add((r.discovery as QueueItem).id);
    }
    await expectMatches(m, r);
  }
  toString(): string {
    return `branch(${this.pick})`;
  }
}

/** The coalesced discovery comes due and is leased: the run goes on from it. */
class Discover implements Cmd {
  check(m: Readonly<RunModel>): boolean {
    return m.discovery && !m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    await leaseTo(r, r.discovery as QueueItem);
    cover('discover');
    r.discovery = null;
    m.discovery = false;
    m.leased = true;
    await expectMatches(m, r);
  }
  toString(): string {
    return 'discover';
  }
}

/**
 * After the run ended, an item of it enqueued outside the run's own scripts (as the engine's
 * eager cancel items are, so no finish swept it) is leased: its commit may only ack it.
 */
class Stray implements Cmd {
  check(m: Readonly<RunModel>): boolean {
    return m.status !== 'open' && !m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const item = runItem(r, 'edge', nextJob(r, 'stray'));
    const enqueued = await r.shard.enqueue(item);
    expect(enqueued.status).toBe('enqueued');
    cover('stray');
    m.items.add(item.id);
    await leaseTo(r, item);
    m.leased = true;
    await expectMatches(m, r);
  }
  toString(): string {
    return 'stray';
  }
}

/**
 * The run ends: cancelled from outside, or completed or failed by its current item (or by a
 * stale lease on it, which ends nothing). Only the first finish counts: its result or error stay.
 */
class Finish implements Cmd {
  constructor(
    readonly how: 'cancelled' | 'completed' | 'failed',
    readonly stale: boolean,
  ) {}
  check(m: Readonly<RunModel>): boolean {
    return this.how === 'cancelled' || m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const finishItem = runItem(r, 'finish', nextJob(r, 'finish'));
    const outcome = JSON.stringify(`${this.how}-${r.seq}`);
    const current =
      this.how === 'cancelled' || r.current === null
        ? undefined
        : { item: r.current.item, leaseId: this.stale ? foreignLease(r) : r.current.leaseId };
    const out = await r.store.finishRun({
      runId: r.runId,
      idempotencyKey: r.idempotencyKey,
      status: this.how,
      retentionMs: 60_000,
      finishItem,
      pauses: [],
      ...(this.how === 'completed' ? { resultJson: outcome } : {}),
      ...(this.how === 'failed' ? { errorJson: outcome } : {}),
      ...(current ? { current } : {}),
    });
    if (current && this.stale) {
      cover('finish:stale-lease');
      expect(out.status).toBe('lease-lost');
      await expectMatches(m, r);
      return;
    }
    expect(out.status).toBe(m.status === 'open' ? 'finished' : 'run-ended');
    cover(m.status === 'open' ? `finish:${this.how}` : 'finish:already-ended');
    if (m.status === 'open') {
      m.status = this.how;
      if (this.how !== 'cancelled') m.outcome = outcome;
      // Its items are gone, the test's leased one too (swept, or acked with the finish); the
      // finish item that emits its terminal events is queued.
      m.items = new Set([finishItem.id]);
      swept(m, r);
    } else if (current) {
      m.items.delete(current.item.id);
      m.leased = false;
      r.current = null;
    }
    await expectMatches(m, r);
  }
  toString(): string {
    return `finish(${this.how}${this.stale ? ', stale' : ''})`;
  }
}

const commit = fc
  .tuple(fc.constantFrom(...STEPS), fc.constantFrom('1', '2'), fc.boolean(), fc.boolean())
  .map(([s, b, stale, replay]) => new Commit(s, b, stale, replay && !stale) as Cmd);

const wait = fc.constantFrom(...STEPS).map((s) => new Wait(s) as Cmd);
const resume = fc
  .constantFrom<'event' | 'timeout'>('event', 'timeout')
  .map((by) => new Resume(by) as Cmd);
const fanOut = fc.integer({ min: 2, max: 3 }).map((w) => new FanOut(w) as Cmd);
const branch = fc.nat(2).map((i) => new Branch(i) as Cmd);
const discover = fc.constant(new Discover() as Cmd);

/**
 * Weighted by repetition (fc.commands picks uniformly, then skips what the model rules out):
 * commits most, and one finish in many, since a run that ends early leaves little to test.
 */
export const runStateCommands = [
  commit,
  commit,
  commit,
  commit,
  wait,
  wait,
  fc.constant(new FireTimeout() as Cmd),
  resume,
  resume,
  fc.constant(new LateTimeout() as Cmd),
  fanOut,
  fanOut,
  branch,
  branch,
  branch,
  discover,
  discover,
  fc.constant(new Stray() as Cmd),
  fc
    .tuple(fc.constantFrom<Finish['how']>('cancelled', 'completed', 'failed'), fc.boolean())
    .map(([how, stale]) => new Finish(how, stale && how !== 'cancelled') as Cmd),
];
