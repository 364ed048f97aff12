import { describe, expect, it } from 'vitest';
import { UnknownVersionError } from '../../src/core/errors.js';
import { JobIds } from '../../src/executor/job-ids.js';
import { ScriptError } from '../../src/redis/errors.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import {
  edgeItem,
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

/** A run waiting on a pause, with its start's next item X leased. */
async function setup(s: StateSetup) {
  const run = await newRun(s);
  const w = waitPause(s, run, 'w1', 'e/wait', EXPIRES);
  const x = edgeItem(s, run, 'x');
  const startLease = await lease(s, run.start);
  const r = await s.store.commitStep({
    item: run.start,
    leaseId: startLease,
    entries: [
      { type: 'pause', pause: w.pause },
      { type: 'item', item: w.timeoutItem },
      { type: 'item', item: x },
    ],
    maxStateBytes: 1 << 20,
  });
  expect(r.status).toBe('committed');
  return { run, x, xLease: await lease(s, x), ...w };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const commit = (s: StateSetup, v: Setup) =>
  s.store.commitStep({
    item: v.x,
    leaseId: v.xLease,
    entries: [
      { type: 'memo', stepId: 'x', memoJson: '"x"', record: record('x') },
      { type: 'item', item: edgeItem(s, v.run, 'after-x') },
    ],
    pending: ['p'],
    die: '1',
    maxStateBytes: 1 << 20,
  });

const finish = (s: StateSetup, v: Setup, current = true) =>
  s.store.finishRun({
    runId: v.run.runId,
    idempotencyKey: v.run.idempotencyKey,
    status: 'completed',
    resultJson: 'null',
    retentionMs: 3600_000,
    ...(current ? { current: { item: v.x, leaseId: v.xLease } } : {}),
    finishItem: runItem(s, v.run.runId, 'finish', JobIds.finish(v.run.runId)),
    pauses: [v.pause],
  });

const resume = (s: StateSetup, v: Setup, run: TestRun, leaseId?: string) =>
  s.store.resumePause({
    pause: v.pause,
    memoJson: 'null',
    record: record('w1'),
    timeoutItem: v.timeoutItem,
    ...(leaseId !== undefined ? { leaseId } : {}),
    continuation: edgeItem(s, run, 'resumed'),
  });

/** The call fails with a ScriptError naming the version, and the shard is as it was. */
async function expectRefusedUnwritten(s: StateSetup, call: () => Promise<unknown>) {
  const before = await snapshot(s.raw, s.prefix);
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScriptError);
  expect(String((err as Error).message)).toMatch(/schema version/);
  expect(await snapshot(s.raw, s.prefix)).toEqual(before);
}

describe('records carry versions (run_is_open, decode_pause)', () => {
  const redis = useRedis();

  for (const v of ['2', null] as const) {
    it(`run metadata with ${v === null ? 'no' : 'an unknown'} version: commit, finish and resume refuse before writing`, async () => {
      const s = stateShard(redis);
      const set = await setup(s);
      const meta = s.store.keys.meta(set.run.runId);
      if (v === null) await s.raw.hdel(meta, 'v');
      else await s.raw.hset(meta, 'v', v);
      await expectRefusedUnwritten(s, () => commit(s, set));
      await expectRefusedUnwritten(s, () => finish(s, set));
      await expectRefusedUnwritten(s, () => finish(s, set, false));
      await expectRefusedUnwritten(s, () => resume(s, set, set.run));
      await expect(s.store.loadRun(set.run.runId, 'f1')).rejects.toBeInstanceOf(
        UnknownVersionError,
      );
    });
  }

  it('a pause with an unknown version: resume (event or timeout) and finish refuse before writing', async () => {
    const s = stateShard(redis);
    const set = await setup(s);
    const pauses = s.store.keys.pauses();
    const stored = JSON.parse((await s.raw.hget(pauses, set.pause.id))!) as Record<string, unknown>;
    await s.raw.hset(pauses, set.pause.id, JSON.stringify({ ...stored, v: 2 }));
    await expectRefusedUnwritten(s, () => resume(s, set, set.run));
    s.clock.set(EXPIRES);
    const timeoutLease = await lease(s, set.timeoutItem);
    await expectRefusedUnwritten(s, () => resume(s, set, set.run, timeoutLease));
    await expectRefusedUnwritten(s, () => finish(s, set, false));
    await expect(s.store.pause(set.pause.id)).rejects.toBeInstanceOf(UnknownVersionError);
    await expect(s.store.pauseCandidates('e/wait')).rejects.toBeInstanceOf(UnknownVersionError);
  });
});
