import { describe, expect, it } from 'vitest';
import { encodeItem, leaseId, seededRandom, type QueueItem } from '../../src/internal.js';
import { Auditor } from '../../sim/checks/auditor.js';
import type { CallEvent } from '../../sim/checks/events.js';
import type { AttemptPlan, Workload } from '../../sim/workload.js';

/**
 * Every checker of the simulator's auditor against a planted bug: a short history of call events
 * that breaks exactly its invariant must be reported under that invariant's name, and the same
 * history without the bug must not be reported at all.
 */
const T0 = 1_700_000_000_000;
const random = seededRandom('checks');
const ok: AttemptPlan = { outcome: 'ok', durationMs: 1, slow: false };
const fail: AttemptPlan = { outcome: 'error', durationMs: 1, slow: false };

const workload: Workload = {
  functions: [
    { accountId: 'a', functionId: 'f', concurrency: 1 },
    { accountId: 'a', functionId: 'g', concurrency: 5 },
    {
      accountId: 'a',
      functionId: 't',
      concurrency: 5,
      throttle: { limit: 1, burst: 0, periodMs: 1000 },
    },
  ],
  accountConcurrency: new Map([['a', 2]]),
  items: [],
};

function itemJson(id: string, fn: string, score = T0, plan = [ok, ok, ok]): string {
  const item: QueueItem = {
    id,
    kind: 'start',
    partitionId: `fn:a:${fn}`,
    accountId: 'a',
    functionId: fn,
    at: score,
    wallTimeMs: score,
    score,
    attempt: 0,
    maxAttempts: 3,
    priorityFactorS: 0,
    payloadJson: JSON.stringify({ plan }),
    customKeys: [],
    generation: 1,
    scavengeCount: 0,
    enqueuedAt: T0,
  };
  if (fn === 't') item.throttle = { canonical: 'a:t', limit: 1, burst: 0, periodMs: 1000 };
  return encodeItem(item);
}

/** An auditor at virtual time `t` (mutable), processes all alive and unskewed. */
function audit() {
  const clock = { t: T0 };
  const auditor = new Auditor(
    workload,
    () => ({ skewMs: 0, alive: true }),
    0,
    () => clock.t,
  );
  const feed = (process: string, ...events: CallEvent[]) => {
    for (const e of events) auditor.apply(process, e);
  };
  const invariants = () => auditor.violations.map((v) => v.invariant);
  return { auditor, clock, feed, invariants };
}

const enq = (id: string, fn = 'f', score = T0, plan?: AttemptPlan[]): CallEvent => ({
  type: 'enqueued',
  itemId: id,
  itemJson: itemJson(id, fn, score, plan),
});
const lease = (ms: number) => leaseId(T0 + ms, random);
const grant = (id: string, leaseIdValue: string, now = T0): CallEvent => ({
  type: 'granted',
  itemId: id,
  leaseId: leaseIdValue,
  processNow: now,
});
const fenced = (
  op: 'extend' | 'dequeue' | 'requeue',
  id: string,
  l: string,
  extra: Partial<Extract<CallEvent, { type: 'fenced' }>> = {},
): CallEvent => ({ type: 'fenced', op, itemId: id, leaseId: l, processNow: T0, ...extra });

describe('auditor checkers, each against a planted bug', () => {
  it('single-holder: a second grant while the first lease is live', () => {
    const a = audit();
    a.feed('p0', enq('x', 'g'), grant('x', lease(1000)));
    a.clock.t = T0 + 1500; // the first lease has expired: a new grant is fine
    a.feed('p1', grant('x', lease(3000), T0 + 1500));
    expect(a.invariants()).toEqual([]);
    a.feed('p2', grant('x', lease(4000), T0 + 1500));
    expect(a.invariants()).toEqual(['single-holder']);
  });

  it('lease: a grant whose lease had already expired at the granting clock', () => {
    const a = audit();
    a.feed('p0', enq('x', 'g'), grant('x', lease(1000), T0 + 1000));
    expect(a.invariants()).toEqual(['lease']);
  });

  it('concurrency: one lease more than the function limit, then than the account limit', () => {
    const a = audit();
    a.feed('p0', enq('x'), enq('y'), grant('x', lease(1000)));
    expect(a.invariants()).toEqual([]);
    a.feed('p1', grant('y', lease(1000)));
    expect(a.invariants()).toEqual(['concurrency']);
    const b = audit(); // function g allows 5, account a only 2
    b.feed('p0', enq('x', 'g'), enq('y', 'g'), enq('z', 'g'));
    b.feed('p0', grant('x', lease(1000)), grant('y', lease(1000)));
    expect(b.invariants()).toEqual([]);
    b.feed('p0', grant('z', lease(1000)));
    expect(b.invariants()).toEqual(['concurrency']);
  });

  it('throttle: more admissions in a window than limit + burst + T·limit/period', () => {
    const a = audit();
    a.feed('p0', enq('x', 't'), enq('y', 't'), enq('z', 't'), grant('x', lease(500)));
    a.clock.t = T0 + 1000;
    a.feed('p0', grant('y', lease(1500), T0 + 1000));
    a.auditor.checkThrottles();
    expect(a.invariants()).toEqual([]);
    a.feed('p0', grant('z', lease(1500), T0 + 1000));
    a.auditor.checkThrottles();
    expect(a.invariants()).toEqual(['throttle']);
  });

  it('order: a FIFO batch that goes on past a limit, or leases out of score order', () => {
    const batch = (looked: [string, string][]): CallEvent => ({
      type: 'batch',
      script: 'leaseBatch',
      partitionId: 'fn:a:g',
      fifo: true,
      looked: looked.map(([itemId, status]) => ({ itemId, status: status as 'OK' })),
    });
    const a = audit();
    a.feed('p0', enq('x', 'g', T0), enq('y', 'g', T0 + 1), enq('z', 'g', T0 + 2));
    a.feed(
      'p0',
      batch([
        ['x', 'OK'],
        ['y', 'FUNCTION_LIMIT'],
        ['z', 'NOT_ATTEMPTED'],
      ]),
    );
    expect(a.invariants()).toEqual([]);
    a.feed(
      'p0',
      batch([
        ['x', 'OK'],
        ['y', 'FUNCTION_LIMIT'],
        ['z', 'OK'],
      ]),
    );
    expect(a.invariants()).toEqual(['order']);
    const b = audit();
    b.feed('p0', enq('x', 'g', T0), enq('y', 'g', T0 + 1));
    b.feed(
      'p0',
      batch([
        ['y', 'OK'],
        ['x', 'OK'],
      ]),
    );
    expect(b.invariants()).toEqual(['order']);
  });

  it('fencing: a dequeue with a replaced lease, an extend with an expired one', () => {
    const a = audit();
    const first = lease(1000);
    const second = lease(2000);
    a.feed(
      'p0',
      enq('x', 'g'),
      grant('x', first),
      fenced('extend', 'x', first, { newLeaseId: second }),
    );
    expect(a.invariants()).toEqual([]);
    a.feed('p0', fenced('dequeue', 'x', first));
    expect(a.invariants()).toEqual(['fencing']);
    const b = audit();
    const l = lease(1000);
    b.feed('p0', enq('x', 'g'), grant('x', l), fenced('extend', 'x', l, { processNow: T0 + 1000 }));
    expect(b.invariants()).toEqual(['fencing']);
  });

  it('partition-lease: a second scanner while the first holds it; a requeue with a stale lease', () => {
    const pl = (l: string, lastLeasedAt = T0 - 1): CallEvent => ({
      type: 'partitionLeased',
      partitionId: 'fn:a:g',
      leaseId: l,
      lastLeasedAt,
    });
    const a = audit();
    const l0 = lease(4000);
    a.feed('p0', pl(l0));
    a.feed('p1', pl(lease(4000), 0)); // collected and recreated meanwhile: allowed
    expect(a.invariants()).toEqual([]);
    a.feed('p2', pl(lease(4000)));
    expect(a.invariants()).toEqual(['partition-lease']);
    const b = audit();
    b.feed('p0', pl(lease(4000)));
    b.feed('p0', { type: 'partitionRequeued', partitionId: 'fn:a:g', leaseId: lease(9) });
    expect(b.invariants()).toEqual(['partition-lease']);
  });

  it('single-home: an item dequeued twice by different leases (the same lease again is a retry)', () => {
    const a = audit();
    const l = lease(1000);
    a.feed(
      'p0',
      enq('x', 'g'),
      grant('x', l),
      fenced('dequeue', 'x', l),
      fenced('dequeue', 'x', l),
    );
    expect(a.invariants()).toEqual([]);
    a.feed('p1', fenced('dequeue', 'x', ''));
    expect(a.invariants()).toEqual(['single-home']);
  });

  it('retries: an attempt consumed without a failure, and an item ending against its plan', () => {
    const a = audit();
    const l = lease(1000);
    a.feed('p0', enq('x', 'g', T0, [fail, ok, ok]), grant('x', l));
    a.auditor.onHandlerStart('x', 0);
    a.auditor.onHandlerEnd('x', 0, 'error');
    a.feed('p0', fenced('requeue', 'x', l, { at: T0 + 10, attemptIncrement: 1 }));
    expect(a.invariants()).toEqual([]);
    const l2 = lease(2000);
    a.feed('p0', grant('x', l2), fenced('requeue', 'x', l2, { at: T0 + 20, attemptIncrement: 1 }));
    expect(a.invariants()).toEqual(['retries']);
    const b = audit();
    const m = lease(1000);
    b.feed('p0', enq('y', 'g', T0, [fail, ok, ok]), grant('y', m), fenced('dequeue', 'y', m));
    expect(b.invariants()).toEqual(['retries', 'retries']);
  });

  it('idempotency: an enqueue of a finished item that is stored again instead of refused', () => {
    const answered = (id: string, status: string): CallEvent => ({
      type: 'enqueueAnswered',
      itemId: id,
      status: status as 'OK',
      processNow: T0,
    });
    const a = audit();
    const l = lease(1000);
    a.feed('p0', answered('x', 'OK'), enq('x', 'g'), answered('x', 'ITEM_EXISTS'), grant('x', l));
    a.feed('p0', answered('x', 'ITEM_EXISTS'), fenced('dequeue', 'x', l));
    a.feed('p0', answered('x', 'ITEM_TOMBSTONED'));
    expect(a.invariants()).toEqual([]);
    expect(a.auditor.enqueuesMet).toEqual({ new: 1, queued: 1, leased: 1, finished: 1 });
    a.feed('p0', answered('x', 'OK'));
    expect(a.invariants()).toEqual(['idempotency']);
    const b = audit();
    b.feed('p0', answered('y', 'OK'), enq('y', 'g'), answered('y', 'OK'));
    expect(b.invariants()).toEqual(['idempotency']);
  });

  it('no-loss: a handler running an item that was never enqueued', () => {
    const a = audit();
    a.auditor.onHandlerStart('ghost', 0);
    expect(a.invariants()).toEqual(['no-loss']);
  });
});
