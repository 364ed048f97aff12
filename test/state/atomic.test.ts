import { describe, expect, it } from 'vitest';
import type { CommitInput } from '../../src/state/shard/commitStep.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  edgeItem,
  EVENTS_JSON,
  lease,
  newRun,
  record,
  snapshot,
  stateShard,
  waitPause,
  type StateSetup,
  type TestRun,
} from './fixtures.js';

const MEMO_JSON = '"the result of s1"';

/** memo + two items + a pause (with its timeout item) from the run's start item. */
function bigCommit(s: StateSetup, run: TestRun, leaseId: string, maxStateBytes: number) {
  const { pause, timeoutItem } = waitPause(s, run, 'w1', 'e/wait', T0 + 60_000);
  const a = edgeItem(s, run, 'a');
  const b = edgeItem(s, run, 'b');
  const input: CommitInput = {
    item: run.start,
    leaseId,
    entries: [
      { type: 'memo', stepId: 's1', memoJson: MEMO_JSON, record: record('s1') },
      { type: 'item', item: a },
      { type: 'item', item: b },
      { type: 'pause', pause },
      { type: 'item', item: timeoutItem },
    ],
    maxStateBytes,
  };
  return { input, a, b, pause, timeoutItem };
}

describe('commitStep is all or nothing (lua/state/commitStep-n.lua)', () => {
  const redis = useRedis();

  it('a commit of a memo, two items and a pause writes all of them', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const c = bigCommit(s, run, leaseId, 1 << 20);
    expect(await s.store.commitStep(c.input)).toEqual({
      status: 'committed',
      hasPending: false,
      chained: false,
    });
    const k = s.store.keys;
    expect(await s.raw.hget(k.memo(run.runId), 's1')).toBe(MEMO_JSON);
    const state = await expectHealthy(s.raw, s.shard.keys, T0);
    expect([...state.items.keys()].sort()).toEqual([c.a.id, c.b.id, c.timeoutItem.id].sort());
    expect((await s.raw.smembers(k.runItems(run.runId))).sort()).toEqual(
      [c.a.id, c.b.id, c.timeoutItem.id].sort(),
    );
    expect(await s.store.pause(c.pause.id)).toEqual(c.pause);
    expect(await s.raw.smembers(k.pauseIndex('e/wait'))).toEqual([c.pause.id]);
    expect(await s.raw.smembers(k.runPauses(run.runId))).toEqual([c.pause.id]);
    expect(state.ready.get(c.a.partitionId)?.get(c.timeoutItem.id)).toBe(T0 + 60_000);
  });

  it('a state-size overflow commits nothing and leaves the item leased', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const grow = MEMO_JSON.length;
    const before = await snapshot(s.raw, s.prefix);
    const c = bigCommit(s, run, leaseId, EVENTS_JSON.length + grow - 1);
    expect(await s.store.commitStep(c.input)).toEqual({ status: 'state-overflow' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    expect(await s.shard.getLeaseId(run.start.id)).toBe(leaseId);
    // The lease still holds: the same holder can still act on it (here: commit within the limit).
    const fits = bigCommit(s, run, leaseId, EVENTS_JSON.length + grow);
    expect((await s.store.commitStep(fits.input)).status).toBe('committed');
    expect(await s.raw.hget(s.store.keys.meta(run.runId), 'state_size')).toBe(
      String(EVENTS_JSON.length + grow),
    );
  });

  it('a commit that saves nothing new is not refused for the size the run already has', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    // The run's state (its events) is already over this limit; a commit adding no result passes.
    const r = await s.store.commitStep({
      item: run.start,
      leaseId,
      entries: [{ type: 'item', item: edgeItem(s, run, 'a') }],
      maxStateBytes: 1,
    });
    expect(r.status).toBe('committed');
  });
});
