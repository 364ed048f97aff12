import fc from 'fast-check';
import { expect } from 'vitest';
import type { Pause } from '../../src/internal.js';
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
const STEPS = ['a', 'b', 'c'];

/** Commit a step's result with the next item, by the current lease (or a stale one). */
class Commit implements Cmd {
  constructor(
    readonly step: string,
    readonly bytes: string,
    readonly stale: boolean,
  ) {}
  check(m: Readonly<RunModel>): boolean {
    return m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const current = r.current as NonNullable<RunReal['current']>;
    const next = runItem(r, 'edge', nextJob(r, `after-${this.step}`));
    const out = await r.store.commitStep({
      item: current.item,
      leaseId: this.stale ? foreignLease(r) : current.leaseId,
      entries: [
        { type: 'memo', stepId: this.step, memoJson: this.bytes },
        { type: 'item', item: next },
      ],
      maxStateBytes: MAX_STATE,
    });
    if (this.stale) {
      expect(out.status).toBe('lease-lost');
    } else if (m.status !== 'open') {
      expect(out.status).toBe('run-ended');
      m.leased = false;
    } else if (m.memo.has(this.step) && m.memo.get(this.step) !== this.bytes) {
      expect(out.status).toBe('memo-conflict');
      m.leased = false;
    } else {
      expect(out).toEqual({ status: 'committed', hasPending: false, chained: false });
      if (!m.memo.has(this.step)) {
        m.memo.set(this.step, this.bytes);
        m.stack.push(this.step);
      }
      await leaseTo(r, next);
    }
    if (!m.leased) r.current = null;
    await expectMatches(m, r);
  }
  toString(): string {
    return `commit(${this.step}=${this.bytes}${this.stale ? ', stale' : ''})`;
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
    m.pause = this.step;
    m.leased = false;
    r.current = null;
    r.pause = { pause, timeoutItem };
    await expectMatches(m, r);
  }
  toString(): string {
    return `wait(${this.step})`;
  }
}

/** An event or the timeout resumes the pause; only the first does anything. */
class Resume implements Cmd {
  constructor(readonly by: 'event' | 'timeout') {}
  check(m: Readonly<RunModel>): boolean {
    return m.pause !== null;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const { pause, timeoutItem } = r.pause as NonNullable<RunReal['pause']>;
    const continuation = runItem(r, 'edge', nextJob(r, `resumed-${pause.stepId}`));
    const memoJson = this.by === 'event' ? '{"name":"model/go"}' : 'null';
    let leaseId: string | undefined;
    if (this.by === 'timeout') {
      const lease = await r.shard.lease(timeoutItem, { durationMs: 60_000 });
      expect(lease.ok).toBe(true);
      if (lease.ok) leaseId = lease.leaseId;
    }
    const record = {
      id: pause.stepId,
      name: pause.stepId,
      op: 'WaitForEvent',
      startedAt: 0,
      endedAt: 0,
      attempts: 1,
    };
    const out = await r.store.resumePause({
      pause,
      memoJson,
      record,
      timeoutItem,
      continuation,
      ...(leaseId !== undefined ? { leaseId } : {}),
    });
    expect(out).toEqual({ status: 'resumed', hasPending: false });
    m.memo.set(pause.stepId, memoJson);
    m.stack.push(pause.stepId);
    m.pause = null;
    r.pause = null;
    // The other way of resuming now finds the pause gone.
    const second = await r.store.resumePause({
      pause,
      memoJson: '"late"',
      record,
      timeoutItem,
      continuation,
    });
    expect(second.status).toBe('pause-gone');
    await leaseTo(r, continuation);
    m.leased = true;
    await expectMatches(m, r);
  }
  toString(): string {
    return `resume(${this.by})`;
  }
}

/** The run ends: cancelled from outside, or completed by its current item. */
class Finish implements Cmd {
  constructor(readonly how: 'cancelled' | 'completed') {}
  check(m: Readonly<RunModel>): boolean {
    return this.how === 'cancelled' || m.leased;
  }
  async run(m: RunModel, r: RunReal): Promise<void> {
    const finishItem = runItem(r, 'finish', nextJob(r, 'finish'));
    const current = this.how === 'completed' ? (r.current ?? undefined) : undefined;
    const out = await r.store.finishRun({
      runId: r.runId,
      idempotencyKey: r.idempotencyKey,
      status: this.how,
      retentionMs: 60_000,
      finishItem,
      pauses: [],
      ...(current ? { current } : {}),
    });
    expect(out.status).toBe(m.status === 'open' ? 'finished' : 'run-ended');
    if (m.status === 'open') {
      m.status = this.how;
      m.pause = null;
      r.pause = null;
      // Its items are gone, the test's leased one too (swept, or acked with the finish).
      m.leased = false;
      r.current = null;
    } else if (current) {
      m.leased = false;
      r.current = null;
    }
    await expectMatches(m, r);
  }
  toString(): string {
    return `finish(${this.how})`;
  }
}

const commit = fc
  .tuple(fc.constantFrom(...STEPS), fc.constantFrom('1', '2'), fc.boolean())
  .map(([s, b, stale]) => new Commit(s, b, stale) as Cmd);

/** Commits weigh most: a run that ends early leaves nothing to test. */
export const runStateCommands = [
  commit,
  commit,
  commit,
  commit,
  commit,
  commit,
  fc.constantFrom(...STEPS).map((s) => new Wait(s) as Cmd),
  fc.constantFrom<'event' | 'timeout'>('event', 'timeout').map((by) => new Resume(by) as Cmd),
  fc
    .constantFrom<'cancelled' | 'completed'>('cancelled', 'completed')
    .map((h) => new Finish(h) as Cmd),
];
