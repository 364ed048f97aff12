import { describe, expect, it } from 'vitest';
import { JobIds } from '../../src/executor/job-ids.js';
import type { Pause } from '../../src/state/pause.js';
import type { ResumeInput } from '../../src/state/shard/resumePause.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  lease,
  newRun,
  record,
  runItem,
  snapshot,
  stateShard,
  waitPause,
  type StateSetup,
  type TestRun,
} from './fixtures.js';

const EXPIRES = T0 + 60_000;
const EVENT_JSON = '{"name":"e/wait","data":{"x":1}}';

/** A run that committed a waitForEvent pause on 'e/wait' with its timeout item. */
async function waiting(s: StateSetup) {
  const run = await newRun(s);
  const { pause, timeoutItem } = waitPause(s, run, 'w1', 'e/wait', EXPIRES);
  const leaseId = await lease(s, run.start);
  const r = await s.store.commitStep({
    item: run.start,
    leaseId,
    entries: [
      { type: 'pause', pause },
      { type: 'item', item: timeoutItem },
    ],
    maxStateBytes: 1 << 20,
  });
  expect(r.status).toBe('committed');
  return { run, pause, timeoutItem };
}

/** The continuation a resume enqueues (resume.ts: named by who resumed). */
function continuation(s: StateSetup, run: TestRun, pause: Pause, timedOut: boolean) {
  const job = timedOut ? JobIds.resumedByTimeout : JobIds.resumedByEvent;
  return runItem(s, run.runId, 'edge', job(pause.jobPrefix, pause.stepId));
}

function byEvent(s: StateSetup, w: Awaited<ReturnType<typeof waiting>>): ResumeInput {
  return {
    pause: w.pause,
    memoJson: EVENT_JSON,
    record: { ...record('w1'), op: 'WaitForEvent' },
    timeoutItem: w.timeoutItem,
    continuation: continuation(s, w.run, w.pause, false),
  };
}

function byTimeout(
  s: StateSetup,
  w: Awaited<ReturnType<typeof waiting>>,
  leaseId: string,
): ResumeInput {
  return {
    pause: w.pause,
    memoJson: 'null',
    record: { ...record('w1'), op: 'WaitForEvent' },
    timeoutItem: w.timeoutItem,
    leaseId,
    continuation: continuation(s, w.run, w.pause, true),
  };
}

/** The pause is in none of its indexes, its timeout item is gone, one continuation is queued. */
async function expectConsumed(s: StateSetup, w: Awaited<ReturnType<typeof waiting>>, memo: string) {
  const k = s.store.keys;
  expect(await s.store.pause(w.pause.id)).toBeNull();
  expect(await s.raw.smembers(k.pauseIndex('e/wait'))).toEqual([]);
  expect(await s.raw.smembers(k.runPauses(w.run.runId))).toEqual([]);
  expect(await s.raw.hgetall(k.memo(w.run.runId))).toEqual({ w1: memo });
  expect(await s.raw.lrange(k.stack(w.run.runId), 0, -1)).toEqual(['w1']);
  const timedOut = memo === 'null';
  const next = continuation(s, w.run, w.pause, timedOut);
  const state = await expectHealthy(s.raw, s.shard.keys, s.clock.now());
  expect([...state.items.keys()]).toEqual([next.id]);
  expect(await s.raw.smembers(k.runItems(w.run.runId))).toEqual([next.id]);
}

describe('resumePause: exactly once (lua/state/resumePause-23.lua)', () => {
  const redis = useRedis();

  it('an event resumes a pause whose timeout has not fired: the timeout item goes too', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    expect(await s.store.resumePause(byEvent(s, w))).toEqual({
      status: 'resumed',
      hasPending: false,
    });
    await expectConsumed(s, w, EVENT_JSON);
    expect(await s.shard.lease(w.timeoutItem, { durationMs: 1000 })).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });

  it('event first while the timeout item is leased: the timeout then finds the pause gone', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    s.clock.set(EXPIRES);
    const timeoutLease = await lease(s, w.timeoutItem);
    expect((await s.store.resumePause(byEvent(s, w))).status).toBe('resumed');
    // The leased timeout item stays for its holder (an unfenced removal would pull it away).
    expect(await s.shard.getLeaseId(w.timeoutItem.id)).toBe(timeoutLease);
    // Its holder finds the pause gone: no second memo or continuation, and its item is acked.
    expect(await s.store.resumePause(byTimeout(s, w, timeoutLease))).toEqual({
      status: 'pause-gone',
    });
    await expectConsumed(s, w, EVENT_JSON);
  });

  it('timeout first: it resumes with null; a later event finds the pause gone, changing nothing', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    s.clock.set(EXPIRES);
    const timeoutLease = await lease(s, w.timeoutItem);
    expect(await s.store.resumePause(byTimeout(s, w, timeoutLease))).toEqual({
      status: 'resumed',
      hasPending: false,
    });
    await expectConsumed(s, w, 'null');
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.resumePause(byEvent(s, w))).toEqual({ status: 'pause-gone' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('a timeout with a stale lease resumes nothing', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    s.clock.set(EXPIRES);
    const stale = await lease(s, w.timeoutItem, 1000);
    s.clock.advance(1001);
    await lease(s, w.timeoutItem);
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.resumePause(byTimeout(s, w, stale))).toEqual({
      status: 'lease-lost',
      reason: 'lease-mismatch',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('a pause whose step already holds a result is deleted without resuming (memo-conflict)', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    await s.raw.hset(s.store.keys.memo(w.run.runId), 'w1', '"earlier"');
    expect(await s.store.resumePause(byEvent(s, w))).toEqual({ status: 'memo-conflict' });
    const k = s.store.keys;
    expect(await s.store.pause(w.pause.id)).toBeNull();
    expect(await s.raw.smembers(k.pauseIndex('e/wait'))).toEqual([]);
    expect(await s.raw.smembers(k.runPauses(w.run.runId))).toEqual([]);
    expect(await s.raw.hgetall(k.memo(w.run.runId))).toEqual({ w1: '"earlier"' });
    expect(await s.raw.hlen(s.shard.keys.items())).toBe(0);
  });

  it('a pause whose step already holds the same bytes resumes nothing either', async () => {
    const s = stateShard(redis);
    const w = await waiting(s);
    const k = s.store.keys;
    await s.raw.hset(k.memo(w.run.runId), 'w1', 'null');
    s.clock.set(EXPIRES);
    const timeoutLease = await lease(s, w.timeoutItem);
    expect(await s.store.resumePause(byTimeout(s, w, timeoutLease))).toEqual({
      status: 'memo-conflict',
    });
    expect(await s.raw.lrange(k.stack(w.run.runId), 0, -1)).toEqual([]);
    expect(await s.store.pause(w.pause.id)).toBeNull();
    expect(await s.raw.hlen(s.shard.keys.items())).toBe(0);
  });

  it('an invoke pause is found by its correlation ID until its resume, and indexes no event', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const { pause: wait, timeoutItem } = waitPause(
      s,
      run,
      'i1',
      'inngest/function.finished',
      EXPIRES,
    );
    const pause: Pause = { ...wait, kind: 'invoke', correlationId: `${run.runId}.i1` };
    const leaseId = await lease(s, run.start);
    const entries = [
      { type: 'pause' as const, pause },
      { type: 'item' as const, item: timeoutItem },
    ];
    const r = await s.store.commitStep({
      item: run.start,
      leaseId,
      entries,
      maxStateBytes: 1 << 20,
    });
    expect(r.status).toBe('committed');
    const k = s.store.keys;
    expect(await s.store.invokePauseId(pause.correlationId!)).toBe(pause.id);
    expect(await s.raw.smembers(k.runPauses(run.runId))).toEqual([pause.id]);
    expect(await s.raw.smembers(k.pauseIndex(pause.event))).toEqual([]);

    const resumed = await s.store.resumePause({
      pause,
      memoJson: '{"data":"child result"}',
      record: { ...record('i1'), op: 'InvokeFunction' },
      timeoutItem,
      continuation: continuation(s, run, pause, false),
    });
    expect(resumed.status).toBe('resumed');
    expect(await s.store.invokePauseId(pause.correlationId!)).toBeNull();
    expect(await s.store.pause(pause.id)).toBeNull();
    expect(await s.raw.smembers(k.runPauses(run.runId))).toEqual([]);
  });

  // Regression (commitStep-n.lua, fixed): a 'pause' entry ran SADD on its entryKey, and for an
  // invoke pause that key is the placeholder (commitStep.ts encodeEntry): every invoke pause ID is
  // added to a set at '{shard}:-' that nothing ever deletes (delete_pause skips placeholders).
  it('an invoke pause writes nothing at the placeholder key', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const { pause: wait, timeoutItem } = waitPause(
      s,
      run,
      'i1',
      'inngest/function.finished',
      EXPIRES,
    );
    const pause: Pause = { ...wait, kind: 'invoke', correlationId: `${run.runId}.i1` };
    const leaseId = await lease(s, run.start);
    const entries = [
      { type: 'pause' as const, pause },
      { type: 'item' as const, item: timeoutItem },
    ];
    await s.store.commitStep({ item: run.start, leaseId, entries, maxStateBytes: 1 << 20 });
    expect(await s.raw.exists(s.store.keys.placeholder())).toBe(0);
  });
});
