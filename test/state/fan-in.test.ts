import { describe, expect, it } from 'vitest';
import { coalesceKeyOf, JobIds } from '../../src/executor/job-ids.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  edgeItem,
  lease,
  newRun,
  record,
  runItem,
  stateShard,
  type StateSetup,
  type TestRun,
} from './fixtures.js';

const MAX = 1 << 20;
const STEPS = ['a', 'b', 'c'];

/** A run whose start committed a parallel plan: pending [a, b, c], die 1, one item per step. */
async function planned(s: StateSetup) {
  const run = await newRun(s);
  const key = coalesceKeyOf(run.runId, STEPS);
  const items = STEPS.map((id) => edgeItem(s, run, `${id}-plan`));
  const leaseId = await lease(s, run.start);
  const r = await s.store.commitStep({
    item: run.start,
    leaseId,
    entries: items.map((item) => ({ type: 'item' as const, item })),
    pending: STEPS,
    die: '1',
    maxStateBytes: MAX,
  });
  expect(r).toEqual({ status: 'committed', hasPending: true, chained: false });
  const discovery = runItem(s, run.runId, 'edge', JobIds.coalescedDiscovery(run.runId, key));
  return { run, items, discovery };
}

async function finishStep(
  s: StateSetup,
  run: TestRun,
  item: ReturnType<typeof edgeItem>,
  stepId: string,
  discovery: ReturnType<typeof edgeItem>,
) {
  const leaseId = await lease(s, item);
  return await s.store.commitStep({
    item,
    leaseId,
    entries: [
      { type: 'memo', stepId, memoJson: JSON.stringify(stepId), record: record(stepId) },
      { type: 'item-if-done', item: discovery },
    ],
    die: 'reset-if-done',
    maxStateBytes: MAX,
  });
}

describe('fan-in: the pending set (lua/state/commitStep-n.lua)', () => {
  const redis = useRedis();

  it('only the last of three completions enqueues the discovery, once, and resets die', async () => {
    const s = stateShard(redis);
    const { run, items, discovery } = await planned(s);
    const k = s.store.keys;
    expect((await s.raw.smembers(k.pending(run.runId))).sort()).toEqual(STEPS);
    expect(await s.raw.hget(k.meta(run.runId), 'die')).toBe('1');

    // Completed out of order: c, a, then b.
    for (const [i, stepId] of [
      [2, 'c'],
      [0, 'a'],
    ] as const) {
      const r = await finishStep(s, run, items[i]!, stepId, discovery);
      expect(r).toEqual({ status: 'committed', hasPending: true, chained: false });
      expect(await s.raw.hexists(s.shard.keys.items(), discovery.id)).toBe(0);
      expect(await s.raw.hget(k.meta(run.runId), 'die')).toBe('1');
    }
    expect(await s.raw.smembers(k.pending(run.runId))).toEqual(['b']);

    const last = await finishStep(s, run, items[1]!, 'b', discovery);
    expect(last).toEqual({ status: 'committed', hasPending: false, chained: false });
    expect(await s.raw.smembers(k.pending(run.runId))).toEqual([]);
    expect(await s.raw.hget(k.meta(run.runId), 'die')).toBe('0');
    const state = await expectHealthy(s.raw, s.shard.keys, T0);
    expect([...state.items.keys()]).toEqual([discovery.id]);
    expect([...(state.ready.get(discovery.partitionId)?.keys() ?? [])]).toEqual([discovery.id]);
    expect(await s.raw.smembers(k.runItems(run.runId))).toEqual([discovery.id]);
    expect(await s.raw.lrange(k.stack(run.runId), 0, -1)).toEqual(['c', 'a', 'b']);
  });

  it('a repeated result of a finished step does not take another step out of the pending set', async () => {
    const s = stateShard(redis);
    const { run, items, discovery } = await planned(s);
    expect((await finishStep(s, run, items[0]!, 'a', discovery)).status).toBe('committed');
    // Another item reports a's result again (same bytes): b and c are still outstanding.
    const again = edgeItem(s, run, 'a-again');
    await s.shard.enqueue(again);
    const r = await finishStep(s, run, again, 'a', discovery);
    expect(r).toEqual({ status: 'committed', hasPending: true, chained: false });
    expect((await s.raw.smembers(s.store.keys.pending(run.runId))).sort()).toEqual(['b', 'c']);
    expect(await s.raw.hexists(s.shard.keys.items(), discovery.id)).toBe(0);
    expect(await s.raw.hget(s.store.keys.meta(run.runId), 'die')).toBe('1');
  });

  it("an 'item' entry is enqueued while steps are pending (a race's own discovery)", async () => {
    const s = stateShard(redis);
    const { run, items } = await planned(s);
    const own = edgeItem(s, run, 'a-race-discovery');
    const leaseId = await lease(s, items[0]!);
    const r = await s.store.commitStep({
      item: items[0]!,
      leaseId,
      entries: [
        { type: 'memo', stepId: 'a', memoJson: '"a"' },
        { type: 'item', item: own },
      ],
      maxStateBytes: MAX,
    });
    expect(r).toEqual({ status: 'committed', hasPending: true, chained: false });
    expect(await s.raw.hexists(s.shard.keys.items(), own.id)).toBe(1);
  });
});
