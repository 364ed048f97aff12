import { describe, expect, it } from 'vitest';
import { leaseId as makeLeaseId } from '../../src/core/ulid.js';
import { seededRandom } from '../../src/core/random.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { edgeItem, lease, newRun, record, stateShard } from './fixtures.js';

const MAX = 1024 * 1024;

/**
 * commitStep's chain: the commit may lease one of the items it enqueues to the caller, by the
 * same rule as any lease (the function and account limits), so that the caller's slot runs it
 * next without a scan.
 */
describe('commitStep chain (lua/state/commitStep-n.lua)', () => {
  const redis = useRedis();
  const chainLease = makeLeaseId(T0 + 10_000, seededRandom('chain'));

  it('leases the chain item to the caller: lease entry, lease index, in-progress sets', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const current = await lease(s, run.start);
    const next = edgeItem(s, run, 's1');
    const r = await s.store.commitStep({
      item: run.start,
      leaseId: current,
      entries: [
        { type: 'memo', stepId: 's1', memoJson: '1', record: record('s1') },
        { type: 'item', item: next },
      ],
      maxStateBytes: MAX,
      chain: { itemId: next.id, leaseId: chainLease, limits: { function: 10 } },
    });
    expect(r).toEqual({ status: 'committed', hasPending: false, chained: true });
    const k = s.shard.keys;
    expect(await s.raw.hget(k.leases(), next.id)).toBe(chainLease);
    expect(await s.raw.zscore(k.ready(next.partitionId), next.id)).toBeNull();
    expect(await s.raw.zscore(k.leased(next.partitionId), next.id)).not.toBeNull();
    expect(await s.raw.zscore(k.inProgressPartition(next.partitionId), next.id)).not.toBeNull();
    expect(await s.raw.zscore(k.inProgressPartition(next.partitionId), run.start.id)).toBeNull();
    // Fenced like any lease: the next commit must use it.
    const after = await s.shard.dequeue(next, chainLease);
    expect(after.ok).toBe(true);
  });

  it('a repeat of a chaining commit (a lost reply) answers chained again, and leases nothing new', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const current = await lease(s, run.start);
    const next = edgeItem(s, run, 's1');
    const input = {
      item: run.start,
      leaseId: current,
      entries: [{ type: 'item' as const, item: next }],
      maxStateBytes: MAX,
      chain: { itemId: next.id, leaseId: chainLease, limits: {} },
    };
    expect(await s.store.commitStep(input)).toEqual({
      status: 'committed',
      hasPending: false,
      chained: true,
    });
    expect(await s.store.commitStep(input)).toEqual({
      status: 'committed',
      hasPending: false,
      chained: true,
    });
    expect(await s.raw.hget(s.shard.keys.leases(), next.id)).toBe(chainLease);
  });

  it('a full function limit refuses the chain: the item is enqueued, not leased', async () => {
    const s = stateShard(redis);
    const other = await newRun(s);
    await lease(s, other.start); // holds the function's one slot
    const run = await newRun(s);
    const current = await lease(s, run.start).catch(() => null);
    expect(current).not.toBeNull();
    const next = edgeItem(s, run, 's1');
    const r = await s.store.commitStep({
      item: run.start,
      leaseId: current as string,
      entries: [{ type: 'item', item: next }],
      maxStateBytes: MAX,
      chain: { itemId: next.id, leaseId: chainLease, limits: { function: 1 } },
    });
    expect(r).toEqual({ status: 'committed', hasPending: false, chained: false });
    const k = s.shard.keys;
    expect(await s.raw.hget(k.leases(), next.id)).toBeNull();
    expect(await s.raw.zscore(k.ready(next.partitionId), next.id)).not.toBeNull();
  });

  it('an item that was not enqueued (it exists already) is not chained', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const next = edgeItem(s, run, 's1');
    await s.shard.enqueue(next);
    const current = await lease(s, run.start);
    const r = await s.store.commitStep({
      item: run.start,
      leaseId: current,
      entries: [{ type: 'item', item: next }],
      maxStateBytes: MAX,
      chain: { itemId: next.id, leaseId: chainLease, limits: {} },
    });
    expect(r).toEqual({ status: 'committed', hasPending: false, chained: false });
  });
});
