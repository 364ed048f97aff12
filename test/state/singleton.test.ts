import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, JobIds, stepPrefix } from '../../src/executor/job-ids.js';
import { encodeNewRunMeta } from '../../src/state/run.js';
import type { FinishInput } from '../../src/state/shard/finishRun.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  ACCOUNT,
  APP,
  EVENTS_JSON,
  FN,
  IDEMPOTENCY_TTL_MS,
  lease,
  runItem,
  stateShard,
  type StateSetup,
} from './fixtures.js';

/**
 * The singleton lock (reference §11.5): createRun takes it with the run and its start item, in
 * one script; finishRun releases it on every end path, and only its holder's.
 */
const LOCK = 'a1b2c3';

/** createRun as scheduleRun calls it for a singleton run. */
/** `lock` null: a run that is no singleton. */
async function createSingleton(s: StateSetup, lock: string | null = LOCK) {
  const runId = s.nextRunId();
  const eventId = `evt-${runId}`;
  const idempotencyKey = idempotencyKeyOf(FN, eventId);
  const start = runItem(s, runId, 'start', JobIds.start(stepPrefix(FN, runId)));
  const result = await s.store.createRun({
    runId,
    idempotencyKey,
    idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
    meta: encodeNewRunMeta({
      id: runId,
      functionId: FN,
      appId: APP,
      accountId: ACCOUNT,
      idempotencyKey,
      createdAt: s.clock.now(),
      maxAttempts: 3,
      stateSize: EVENTS_JSON.length,
      eventIds: [eventId],
    }),
    eventsJson: EVENTS_JSON,
    startItem: start,
    cancelPauses: [],
    eventId,
    eventRunsTtlMs: 3600_000,
    ...(lock !== null ? { singletonLock: lock } : {}),
  });
  return { result, runId, idempotencyKey, start };
}

function finishInput(
  s: StateSetup,
  run: { runId: string; idempotencyKey: string },
  status: FinishInput['status'],
): FinishInput {
  return {
    runId: run.runId,
    idempotencyKey: run.idempotencyKey,
    status,
    retentionMs: 3600_000,
    finishItem: runItem(s, run.runId, 'finish', JobIds.finish(run.runId)),
    pauses: [],
    singletonLock: LOCK,
  };
}

describe('singleton lock (createRun-n.lua, finishRun-n.lua)', () => {
  const redis = useRedis();

  it('concurrent creates of one singleton key: one run is created, the others see it hold the lock', async () => {
    const s = stateShard(redis);
    const all = await Promise.all(Array.from({ length: 12 }, () => createSingleton(s)));
    const created = all.filter((r) => r.result.status === 'created');
    expect(created).toHaveLength(1);
    const holder = created[0]?.runId as string;
    for (const r of all.filter((o) => o !== created[0]))
      expect(r.result).toEqual({ status: 'singleton-held', runId: holder });
    expect(await s.raw.get(s.store.keys.singleton(LOCK))).toBe(holder);
    expect(await s.raw.hget(s.store.keys.meta(holder), 'singleton')).toBe(LOCK);
    // A refused create wrote nothing: only the holder's run and start item exist.
    const state = await expectHealthy(s.raw, s.shard.keys, s.clock.now());
    expect([...state.items.keys()]).toEqual([created[0]?.start.id]);
    for (const r of all.filter((o) => o !== created[0])) {
      expect(await s.raw.exists(s.store.keys.meta(r.runId))).toBe(0);
      expect(await s.raw.exists(s.store.keys.idempotency(r.idempotencyKey))).toBe(0);
    }
  });

  for (const status of ['completed', 'failed', 'cancelled'] as const) {
    it(`a ${status} run releases its lock, and the next run of the key is created`, async () => {
      const s = stateShard(redis);
      const holder = await createSingleton(s);
      expect(holder.result.status).toBe('created');
      expect((await createSingleton(s)).result.status).toBe('singleton-held');
      const input = finishInput(s, holder, status);
      // Completed and failed end with the run's leased item; a cancel comes from outside.
      const current =
        status === 'cancelled'
          ? undefined
          : { item: holder.start, leaseId: await lease(s, holder.start) };
      const r = await s.store.finishRun({ ...input, ...(current ? { current } : {}) });
      expect(r).toEqual({ status: 'finished' });
      expect(await s.raw.exists(s.store.keys.singleton(LOCK))).toBe(0);
      const next = await createSingleton(s);
      expect(next.result).toEqual({ status: 'created', runId: next.runId });
      expect(await s.raw.get(s.store.keys.singleton(LOCK))).toBe(next.runId);
    });
  }

  it("a run's finish leaves a lock another run holds", async () => {
    const s = stateShard(redis);
    const other = await createSingleton(s, null);
    const holder = await createSingleton(s);
    expect(holder.result.status).toBe('created');
    // `other` never took the lock: naming it at its finish must not release the holder's.
    expect((await s.store.finishRun(finishInput(s, other, 'cancelled'))).status).toBe('finished');
    expect(await s.raw.get(s.store.keys.singleton(LOCK))).toBe(holder.runId);
    // A repeated finish of the holder after it ended changes nothing either.
    expect((await s.store.finishRun(finishInput(s, holder, 'cancelled'))).status).toBe('finished');
    const next = await createSingleton(s);
    expect(next.result.status).toBe('created');
    expect((await s.store.finishRun(finishInput(s, holder, 'cancelled'))).status).toBe('run-ended');
    expect(await s.raw.get(s.store.keys.singleton(LOCK))).toBe(next.runId);
  });
});
