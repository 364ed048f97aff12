import { describe, expect, it } from 'vitest';
import { encodeNewRunMeta } from '../../src/state/run.js';
import type { RateLimitInput } from '../../src/state/shard/rateLimit.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import {
  ACCOUNT,
  APP,
  EVENTS_JSON,
  FN,
  IDEMPOTENCY_TTL_MS,
  newRun,
  snapshot,
  stateShard,
  type StateSetup,
} from './fixtures.js';

/** rateLimit-3.lua (GCRA admission, free retries) and skipRun-4.lua (the skipped record). */
function limitInput(idempotencyKey: string, o: Partial<RateLimitInput> = {}): RateLimitInput {
  return {
    idempotencyKey,
    limitKey: `${FN}-a`,
    limit: 2,
    burst: 0,
    periodMs: 5_000,
    admittedTtlMs: 30 * 60_000,
    ...o,
  };
}

function skipInput(s: StateSetup, runId: string, idempotencyKey: string) {
  return {
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
      eventIds: ['evt-1'],
    }),
    eventsJson: EVENTS_JSON,
    reason: 'rate-limit' as const,
    retentionMs: 3600_000,
    eventId: 'evt-1',
    eventRunsTtlMs: 3600_000,
  };
}

describe('rateLimit (lua/state/rateLimit-3.lua)', () => {
  const redis = useRedis();

  it('limit 2 per 5 s: two admissions at once, the third refused and nothing written', async () => {
    const s = stateShard(redis);
    expect(await s.store.rateLimit(limitInput('k1'))).toEqual({ status: 'admitted' });
    expect(await s.store.rateLimit(limitInput('k2'))).toEqual({ status: 'admitted' });
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.rateLimit(limitInput('k3'))).toEqual({
      status: 'limited',
      retryAt: T0 + 2_500,
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    // Another key has its own capacity; one per period / limit comes back.
    expect((await s.store.rateLimit(limitInput('k4', { limitKey: `${FN}-b` }))).status).toBe(
      'admitted',
    );
    s.clock.advance(2_499);
    expect((await s.store.rateLimit(limitInput('k3'))).status).toBe('limited');
    s.clock.advance(1);
    expect((await s.store.rateLimit(limitInput('k3'))).status).toBe('admitted');
    expect((await s.store.rateLimit(limitInput('k5'))).status).toBe('limited');
  });

  it('a retried Schedule of an admitted run takes no capacity again', async () => {
    const s = stateShard(redis);
    const one = { limit: 1, periodMs: 86_400_000 };
    expect((await s.store.rateLimit(limitInput('k1', one))).status).toBe('admitted');
    const before = await snapshot(s.raw, s.prefix);
    for (let i = 0; i < 3; i++)
      expect((await s.store.rateLimit(limitInput('k1', one))).status).toBe('admitted');
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    expect((await s.store.rateLimit(limitInput('k2', one))).status).toBe('limited');
  });

  it('a Schedule whose idempotency key names a run takes no capacity', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const one = { limit: 1, periodMs: 60_000 };
    for (let i = 0; i < 3; i++)
      expect((await s.store.rateLimit(limitInput(run.idempotencyKey, one))).status).toBe(
        'admitted',
      );
    expect((await s.store.rateLimit(limitInput('fresh', one))).status).toBe('admitted');
  });
});

describe('skipRun (lua/state/skipRun-4.lua)', () => {
  const redis = useRedis();

  it('records a skipped run: status, reason, events, run list, ended idempotency key; no item', async () => {
    const s = stateShard(redis);
    const runId = s.nextRunId();
    s.clock.advance(10);
    expect(await s.store.skipRun(skipInput(s, runId, 'idem-1'))).toEqual({
      status: 'skipped',
      runId,
      reason: 'rate-limit',
    });
    const k = s.store.keys;
    const stored = await s.store.readRun(runId);
    expect(stored?.meta).toMatchObject({
      status: 'skipped',
      skipReason: 'rate-limit',
      endedAt: T0 + 10,
      createdAt: T0 + 10,
    });
    expect(stored?.meta.startedAt).toBeUndefined();
    expect(await s.store.eventRuns('evt-1')).toEqual({ [runId]: FN });
    expect(await s.raw.get(k.idempotency('idem-1'))).toBe(
      `-${runId}|${T0 + 10 + IDEMPOTENCY_TTL_MS}`,
    );
    for (const key of [k.meta(runId), k.events(runId)]) {
      expect(await s.raw.pttl(key)).toBeGreaterThan(0);
      expect(await s.raw.pttl(key)).toBeLessThanOrEqual(3600_000);
    }
    expect(await s.store.runItems(runId, 10)).toEqual([]);
    const items = await s.raw.hlen(s.shard.keys.items());
    expect(items).toBe(0);
  });

  it('a second skip of the same idempotency key answers the first record and writes nothing', async () => {
    const s = stateShard(redis);
    const first = s.nextRunId();
    await s.store.skipRun(skipInput(s, first, 'idem-2'));
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.skipRun(skipInput(s, s.nextRunId(), 'idem-2'))).toEqual({
      status: 'skipped',
      runId: first,
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    const live = await newRun(s);
    expect(await s.store.skipRun(skipInput(s, s.nextRunId(), live.idempotencyKey))).toEqual({
      status: 'exists',
      runId: live.runId,
    });
  });
});
