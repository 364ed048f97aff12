import { describe, expect, it } from 'vitest';
import type { CommitInput } from '../../src/state/shard/commitStep.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import {
  edgeItem,
  EVENTS_JSON,
  foreignLeaseId,
  lease,
  newRun,
  record,
  snapshot,
  stateShard,
  type StateSetup,
  type TestRun,
} from './fixtures.js';

const MAX = 1024 * 1024;

function stepCommit(s: StateSetup, run: TestRun, leaseId: string): CommitInput {
  return {
    item: run.start,
    leaseId,
    entries: [
      { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
      { type: 'item', item: edgeItem(s, run, 's1') },
    ],
    maxStateBytes: MAX,
  };
}

describe('commitStep fencing (lua/state/commitStep-n.lua)', () => {
  const redis = useRedis();

  it('with the current lease it commits: memo, stack, record, next item, status, and the ack', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const input = stepCommit(s, run, leaseId);
    expect(await s.store.commitStep(input)).toEqual({
      status: 'committed',
      hasPending: false,
      chained: false,
    });

    const k = s.store.keys;
    const next = edgeItem(s, run, 's1');
    expect(await s.raw.hgetall(k.memo(run.runId))).toEqual({ s1: '"one"' });
    expect(await s.raw.lrange(k.stack(run.runId), 0, -1)).toEqual(['s1']);
    expect(JSON.parse((await s.raw.hget(k.steps(run.runId), 's1'))!)).toEqual(record('s1'));
    const meta = await s.raw.hgetall(k.meta(run.runId));
    expect(meta).toMatchObject({
      status: 'running',
      started_at: String(T0),
      step_count: '1',
      state_size: String(EVENTS_JSON.length + '"one"'.length),
    });
    const state = await expectHealthy(s.raw, s.shard.keys, T0);
    expect([...state.items.keys()]).toEqual([next.id]);
    expect(state.leases.size).toBe(0);
    expect([...(state.ready.get(next.partitionId)?.keys() ?? [])]).toEqual([next.id]);
    expect(await s.raw.smembers(k.runItems(run.runId))).toEqual([next.id]);
    expect(await s.raw.get(s.shard.keys.tombstone(run.start.id))).toBe(
      `${T0 + 12 * 3600 * 1000}|${leaseId}`,
    );
  });

  it('a stale lease (expired, then re-leased by another worker) writes nothing', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const stale = await lease(s, run.start, 1000);
    s.clock.advance(1001);
    const current = await lease(s, run.start, 10_000);
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.commitStep(stepCommit(s, run, stale))).toEqual({
      status: 'lease-lost',
      reason: 'lease-mismatch',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    // The same commit by the current holder does write: the refusal above was the fence.
    expect((await s.store.commitStep(stepCommit(s, run, current))).status).toBe('committed');
    expect(await snapshot(s.raw, s.prefix)).not.toEqual(before);
  });

  it('an expired lease that nobody re-leased writes nothing', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start, 1000);
    s.clock.advance(1000);
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.commitStep(stepCommit(s, run, leaseId))).toEqual({
      status: 'lease-lost',
      reason: 'lease-expired',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('a wrong lease ID writes nothing', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    await lease(s, run.start);
    const before = await snapshot(s.raw, s.prefix);
    const wrong = foreignLeaseId(T0 + 10_000);
    expect(await s.store.commitStep(stepCommit(s, run, wrong))).toEqual({
      status: 'lease-lost',
      reason: 'lease-mismatch',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('an item that is not leased writes nothing', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const before = await snapshot(s.raw, s.prefix);
    const any = foreignLeaseId(T0 + 10_000);
    expect(await s.store.commitStep(stepCommit(s, run, any))).toEqual({
      status: 'lease-lost',
      reason: 'not-leased',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('a repeat by the same lease after a lost reply answers committed and changes nothing', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const input = stepCommit(s, run, leaseId);
    expect((await s.store.commitStep(input)).status).toBe('committed');
    const before = await snapshot(s.raw, s.prefix);
    s.clock.advance(100);
    expect((await s.store.commitStep(input)).status).toBe('committed');
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    expect(await s.raw.lrange(s.store.keys.stack(run.runId), 0, -1)).toEqual(['s1']);
    // Another lease on the removed item is refused, and writes nothing either.
    const other = foreignLeaseId(T0 + 20_000);
    expect(await s.store.commitStep(stepCommit(s, run, other))).toEqual({
      status: 'lease-lost',
      reason: 'not-found',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });
});
