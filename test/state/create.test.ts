import { describe, expect, it } from 'vitest';
import { decodeItem } from '../../src/queue/item.js';
import { JobIds } from '../../src/executor/job-ids.js';
import type { Pause } from '../../src/state/pause.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  createTestRun,
  IDEMPOTENCY_TTL_MS,
  lease,
  newRun,
  runItem,
  snapshot,
  stateShard,
  type StateSetup,
  type TestRun,
} from './fixtures.js';

const EVENT = 'evt-1';

async function finish(s: StateSetup, run: TestRun) {
  const leaseId = await lease(s, run.start);
  const r = await s.store.finishRun({
    runId: run.runId,
    idempotencyKey: run.idempotencyKey,
    status: 'completed',
    resultJson: 'null',
    retentionMs: 3600_000,
    current: { item: run.start, leaseId },
    finishItem: runItem(s, run.runId, 'finish', JobIds.finish(run.runId)),
    pauses: [],
  });
  expect(r.status).toBe('finished');
}

/** The runs whose items the shard holds, by item ID. */
async function itemRuns(s: StateSetup): Promise<Record<string, string | undefined>> {
  const all = await s.raw.hgetall(s.shard.keys.items());
  return Object.fromEntries(Object.entries(all).map(([id, j]) => [id, decodeItem(j).runId]));
}

function cancelPause(runId: string, i: number, event: string): Pause {
  return {
    id: `cancel-${runId}-${i}`,
    runId,
    functionId: 'f1',
    kind: 'cancel',
    stepId: '',
    event,
    expiresAt: T0 + 3600_000,
    createdAt: T0,
    triggerEventIds: [EVENT],
    jobPrefix: 'p',
    maxAttempts: 3,
  };
}

describe('createRun (lua/state/createRun-n.lua)', () => {
  const redis = useRedis();

  it('creates the run: metadata, events, start item, the event run list', async () => {
    const s = stateShard(redis);
    const run = await newRun(s, { eventId: EVENT });
    const k = s.store.keys;
    const loaded = await s.store.loadRun(run.runId, 'f1');
    expect(loaded?.meta).toMatchObject({ id: run.runId, status: 'scheduled', createdAt: T0 });
    expect(await itemRuns(s)).toEqual({ [run.start.id]: run.runId });
    expect(await s.raw.smembers(k.runItems(run.runId))).toEqual([run.start.id]);
    expect(await s.store.eventRuns(EVENT)).toEqual({ [run.runId]: 'f1' });
    await expectHealthy(s.raw, s.shard.keys, T0);
  });

  it('a second create with the same key answers exists with the first run and writes nothing', async () => {
    const s = stateShard(redis);
    const first = await newRun(s, { eventId: EVENT });
    s.clock.advance(IDEMPOTENCY_TTL_MS - 1);
    const before = await snapshot(s.raw, s.prefix);
    const second = await createTestRun(s, { eventId: EVENT });
    expect(second.run.runId).not.toBe(first.runId);
    expect(second.result).toEqual({ status: 'exists', runId: first.runId });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('after the first run ended, a second create answers skipped and writes nothing', async () => {
    const s = stateShard(redis);
    const first = await newRun(s, { eventId: EVENT });
    await finish(s, first);
    const before = await snapshot(s.raw, s.prefix);
    const second = await createTestRun(s, { eventId: EVENT });
    expect(second.result).toEqual({ status: 'skipped', runId: first.runId });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('once the key expired (24 h on the clock), the same key creates a new run', async () => {
    const s = stateShard(redis);
    const first = await newRun(s, { eventId: EVENT });
    await finish(s, first);
    s.clock.advance(IDEMPOTENCY_TTL_MS);
    const second = await createTestRun(s, { eventId: EVENT });
    expect(second.result).toEqual({ status: 'created', runId: second.run.runId });
    expect(await s.raw.get(s.store.keys.idempotency(first.idempotencyKey))).toBe(
      `${second.run.runId}|${T0 + 2 * IDEMPOTENCY_TTL_MS}`,
    );
    // Its start item (the same job ID as the first run's) is queued, for the new run.
    expect(await itemRuns(s)).toMatchObject({ [second.run.start.id]: second.run.runId });
  });

  // Regression (createRun-n.lua, fixed: job IDs now derive from the run ID, and createRun
  // refuses before any write when the start item cannot be stored). Was: enqueue_item's reply
  // was ignored and the start item ID came from the idempotency key: a run created after the
  // key's 24 h, while the first run's start item was still queued, got no start item.
  it('a run created after the key expired gets a start item of its own (first still queued)', async () => {
    const s = stateShard(redis);
    const first = await newRun(s, { eventId: EVENT });
    s.clock.advance(IDEMPOTENCY_TTL_MS);
    const second = await createTestRun(s, { eventId: EVENT });
    if (second.result.status !== 'created') return; // refusing is fine too
    expect(Object.values(await itemRuns(s))).toContain(second.run.runId);
    expect(Object.values(await itemRuns(s))).toContain(first.runId);
  });

  // Regression (fixed), same cause: with a shard tombstone TTL longer than the key's 24 h,
  // the first start item's tombstone refuses the new run's start item.
  it('a run created after the key expired gets a start item of its own (long tombstones)', async () => {
    const s = stateShard(redis, { tombstoneTtlMs: 2 * IDEMPOTENCY_TTL_MS });
    const first = await newRun(s, { eventId: EVENT });
    await finish(s, first);
    s.clock.advance(IDEMPOTENCY_TTL_MS);
    const second = await createTestRun(s, { eventId: EVENT });
    if (second.result.status !== 'created') return;
    expect(Object.values(await itemRuns(s))).toContain(second.run.runId);
  });

  it('cancel pauses given at creation are in the pauses hash, their event index and the run set', async () => {
    const s = stateShard(redis);
    const run = await newRun(s, {
      eventId: EVENT,
      cancelPauses: (runId) => [cancelPause(runId, 0, 'e/cancel'), cancelPause(runId, 1, 'e/stop')],
    });
    const k = s.store.keys;
    const ids = [0, 1].map((i) => `cancel-${run.runId}-${i}`);
    expect((await s.raw.smembers(k.runPauses(run.runId))).sort()).toEqual(ids);
    expect(await s.raw.smembers(k.pauseIndex('e/cancel'))).toEqual([ids[0]]);
    expect(await s.raw.smembers(k.pauseIndex('e/stop'))).toEqual([ids[1]]);
    expect(await s.store.pause(ids[0]!)).toEqual(cancelPause(run.runId, 0, 'e/cancel'));
    expect((await s.store.pauseCandidates('e/stop')).map((p) => p.id)).toEqual([ids[1]]);
  });
});
