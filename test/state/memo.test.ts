import { describe, expect, it } from 'vitest';
import type { CommitInput } from '../../src/state/shard/commitStep.js';
import { T0, useRedis, type RedisHandle } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  edgeItem,
  lease,
  newRun,
  record,
  snapshot,
  stateShard,
  waitPause,
  type StateSetup,
} from './fixtures.js';

const MAX = 1024 * 1024;

/**
 * A run whose start committed two parallel items X and Y; X is leased and has saved step s1 as
 * '"one"'; Y is leased. Built alike twice, it gives two shards with the same content.
 */
async function twoWriters(redis: RedisHandle) {
  const s = stateShard(redis);
  const run = await newRun(s);
  const x = edgeItem(s, run, 'x');
  const y = edgeItem(s, run, 'y');
  const startLease = await lease(s, run.start);
  const planned = await s.store.commitStep({
    item: run.start,
    leaseId: startLease,
    entries: [
      { type: 'item', item: x },
      { type: 'item', item: y },
    ],
    maxStateBytes: MAX,
  });
  if (planned.status !== 'committed') throw new Error(planned.status);
  const xLease = await lease(s, x);
  const yLease = await lease(s, y);
  const first = await s.store.commitStep({
    item: x,
    leaseId: xLease,
    entries: [
      { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
      { type: 'item', item: edgeItem(s, run, 'after-x') },
    ],
    maxStateBytes: MAX,
  });
  if (first.status !== 'committed') throw new Error(first.status);
  return { s, run, y, yLease };
}

/** Y's commit: s1 with `memoJson`, plus a bit of everything else a commit may write. */
function yCommit(w: Awaited<ReturnType<typeof twoWriters>>, memoJson: string): CommitInput {
  const { s, run, y, yLease } = w;
  const { pause, timeoutItem } = waitPause(s, run, 'w1', 'e/wait', T0 + 60_000);
  return {
    item: y,
    leaseId: yLease,
    entries: [
      { type: 'memo', stepId: 's1', memoJson, record: record('s1', T0 + 5) },
      { type: 'memo', stepId: 's2', memoJson: '"new"', record: record('s2') },
      { type: 'item', item: edgeItem(s, run, 'after-y') },
      { type: 'pause', pause },
      { type: 'item', item: timeoutItem },
    ],
    pending: ['p1', 'p2'],
    die: '1',
    requestVersion: 2,
    maxStateBytes: MAX,
  };
}

async function runKeys(s: StateSetup, runId: string) {
  const k = s.store.keys;
  return {
    meta: await s.raw.hgetall(k.meta(runId)),
    memo: await s.raw.hgetall(k.memo(runId)),
    stack: await s.raw.lrange(k.stack(runId), 0, -1),
    steps: await s.raw.hgetall(k.steps(runId)),
  };
}

describe('memo: first write wins (lua/state/commitStep-n.lua, save_memo, memo_state)', () => {
  const redis = useRedis();

  it('the same step with the same bytes from another item is harmless: no second stack entry', async () => {
    const w = await twoWriters(redis);
    const before = await runKeys(w.s, w.run.runId);
    expect(before.stack).toEqual(['s1']);
    const r = await w.s.store.commitStep(yCommit(w, '"one"'));
    expect(r).toEqual({ status: 'committed', hasPending: true, chained: false });
    const after = await runKeys(w.s, w.run.runId);
    expect(after.stack).toEqual(['s1', 's2']);
    expect(after.memo).toEqual({ s1: '"one"', s2: '"new"' });
    // s1 keeps its first record; only s2 counts.
    expect(after.steps.s1).toBe(before.steps.s1);
    expect(Number(after.meta.step_count)).toBe(Number(before.meta.step_count) + 1);
    expect(Number(after.meta.state_size)).toBe(Number(before.meta.state_size) + '"new"'.length);
    // The rest of that commit did land.
    const items = await w.s.raw.hkeys(w.s.shard.keys.items());
    expect(items).toContain(edgeItem(w.s, w.run, 'after-y').id);
    expect(items).not.toContain(w.y.id);
    await expectHealthy(w.s.raw, w.s.shard.keys, T0);
  });

  it('other bytes are refused (memo-conflict): nothing of that commit is written but its ack', async () => {
    const a = await twoWriters(redis);
    const b = await twoWriters(redis);
    expect(await snapshot(a.s.raw, a.s.prefix)).toEqual(await snapshot(b.s.raw, b.s.prefix));

    expect(await a.s.store.commitStep(yCommit(a, '"two"'))).toEqual({ status: 'memo-conflict' });
    // The reference: on the twin shard, only Y's ack (a plain dequeue and its run-item entry).
    expect(await b.s.shard.dequeue(b.y, b.yLease)).toEqual({ ok: true });
    await b.s.raw.srem(b.s.store.keys.runItems(b.run.runId), b.y.id);

    expect(await snapshot(a.s.raw, a.s.prefix)).toEqual(await snapshot(b.s.raw, b.s.prefix));
    expect((await runKeys(a.s, a.run.runId)).memo).toEqual({ s1: '"one"' });
    await expectHealthy(a.s.raw, a.s.shard.keys, T0);
  });

  // Regression (commitStep-n.lua, fixed): memo_state was asked for every entry before any
  // write, so two memo entries of one step in one commit were both saved (stack entry and
  // step_count twice; with other bytes the second overwrote the first).
  it('within one commit, a step listed twice with the same bytes is saved once', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const r = await s.store.commitStep({
      item: run.start,
      leaseId,
      entries: [
        { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
        { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
      ],
      maxStateBytes: MAX,
    });
    expect(r.status).toBe('committed');
    const after = await runKeys(s, run.runId);
    expect(after.stack).toEqual(['s1']);
    expect(after.meta.step_count).toBe('1');
  });

  // Regression (fixed): as above; the second bytes overwrite the first within one commit.
  it('within one commit, a step listed twice with other bytes keeps the first', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const r = await s.store.commitStep({
      item: run.start,
      leaseId,
      entries: [
        { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
        { type: 'memo', stepId: 's1', memoJson: '"two"', record: record('s1') },
      ],
      maxStateBytes: MAX,
    });
    expect(r.status === 'committed' || r.status === 'memo-conflict').toBe(true);
    const after = await runKeys(s, run.runId);
    expect(after.memo.s1 ?? '"one"').toBe('"one"');
    expect(after.stack.length).toBeLessThanOrEqual(1);
  });
});
