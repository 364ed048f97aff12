import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { ulid } from '../../src/core/ulid.js';
import { JobIds } from '../../src/executor/job-ids.js';
import { decodeItem } from '../../src/queue/item.js';
import type { FinishInput } from '../../src/state/shard/finishRun.js';
import { T0, useRedis, type RedisHandle } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import {
  edgeItem,
  foreignLeaseId,
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

const RETENTION = 7 * 24 * 3600 * 1000;

/**
 * A running run: s1 saved, pending [x], items A (leased by another worker) and B (leased by
 * us), and a wait pause with its timeout item T (queued).
 */
async function busyRun(s: StateSetup) {
  const run = await newRun(s);
  const a = edgeItem(s, run, 'a');
  const b = edgeItem(s, run, 'b');
  const w = waitPause(s, run, 'w1', 'e/wait', T0 + 60_000);
  const startLease = await lease(s, run.start);
  const r = await s.store.commitStep({
    item: run.start,
    leaseId: startLease,
    entries: [
      { type: 'memo', stepId: 's1', memoJson: '"one"', record: record('s1') },
      { type: 'item', item: a },
      { type: 'item', item: b },
      { type: 'pause', pause: w.pause },
      { type: 'item', item: w.timeoutItem },
    ],
    pending: ['x'],
    maxStateBytes: 1 << 20,
  });
  expect(r.status).toBe('committed');
  const aLease = await lease(s, a);
  const bLease = await lease(s, b);
  return { run, a, aLease, b, bLease, ...w };
}

function finishInput(s: StateSetup, run: TestRun, o: Partial<FinishInput> = {}): FinishInput {
  return {
    runId: run.runId,
    idempotencyKey: run.idempotencyKey,
    status: 'completed',
    resultJson: '"done"',
    retentionMs: RETENTION,
    finishItem: runItem(s, run.runId, 'finish', JobIds.finish(run.runId)),
    pauses: [],
    ...o,
  };
}

async function expectRetained(s: StateSetup, key: string) {
  const ttl = await s.raw.pttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(RETENTION);
}

describe('finishRun (lua/state/finishRun-n.lua)', () => {
  const redis = useRedis();

  it('the first finish ends the run and removes its state, items (leased ones too) and pauses', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    s.clock.advance(500);
    const input = finishInput(s, f.run, { current: { item: f.b, leaseId: f.bLease } });
    expect(await s.store.finishRun({ ...input, pauses: [f.pause] })).toEqual({
      status: 'finished',
    });
    const k = s.store.keys;
    const { runId } = f.run;
    const meta = await s.raw.hgetall(k.meta(runId));
    expect(meta).toMatchObject({
      status: 'completed',
      ended_at: String(T0 + 500),
      started_at: String(T0),
      result: '"done"',
    });
    expect(meta.error).toBeUndefined();
    for (const key of [k.memo(runId), k.pending(runId), k.runItems(runId), k.runPauses(runId)])
      expect(await s.raw.exists(key)).toBe(0);
    expect(await s.store.pause(f.pause.id)).toBeNull();
    expect(await s.raw.smembers(k.pauseIndex('e/wait'))).toEqual([]);

    const state = await expectHealthy(s.raw, s.shard.keys, s.clock.now());
    expect([...state.items.keys()]).toEqual([input.finishItem.id]);
    expect(state.leases.size).toBe(0);
    expect(await s.raw.get(s.shard.keys.tombstone(f.b.id))).toMatch(new RegExp(`\\|${f.bLease}$`));

    const idem = await s.raw.get(k.idempotency(f.run.idempotencyKey));
    expect(idem).toBe(`-${runId}|${T0 + 24 * 3600 * 1000}`);
    expect(await s.raw.pttl(k.idempotency(f.run.idempotencyKey))).toBeGreaterThan(0);
    for (const key of [k.meta(runId), k.stack(runId), k.events(runId), k.steps(runId)])
      await expectRetained(s, key);
    expect((await s.store.loadRun(runId, 'f1'))?.meta.status).toBe('completed');
  });

  it('a second finish answers run-ended and changes nothing', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    const first = finishInput(s, f.run, { current: { item: f.b, leaseId: f.bLease } });
    expect((await s.store.finishRun(first)).status).toBe('finished');
    const before = await snapshot(s.raw, s.prefix);
    s.clock.advance(100);
    const again = finishInput(s, f.run, { status: 'failed', errorJson: '{"m":"late"}' });
    expect(await s.store.finishRun(again)).toEqual({ status: 'run-ended' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    // The same finish repeated by its lease (a lost reply) answers as its first call did, and
    // ends nothing a second time.
    expect(await s.store.finishRun(first)).toEqual({ status: 'finished' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('after the finish, a step in flight commits nothing, and the run reads as ended', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    const input = finishInput(s, f.run, { current: { item: f.b, leaseId: f.bLease } });
    expect((await s.store.finishRun(input)).status).toBe('finished');
    const before = await snapshot(s.raw, s.prefix);
    // A (leased by another worker) was swept with the run: its commit finds nothing to fence.
    const r = await s.store.commitStep({
      item: f.a,
      leaseId: f.aLease,
      entries: [
        { type: 'memo', stepId: 'a', memoJson: '"late"' },
        { type: 'item', item: edgeItem(s, f.run, 'after-a') },
      ],
      maxStateBytes: 1 << 20,
    });
    expect(r).toEqual({ status: 'lease-lost', reason: 'not-found' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    const loaded = await s.store.loadRun(f.run.runId, 'f1');
    expect(loaded?.meta.status).toBe('completed');
    expect(loaded?.memo).toEqual({});
  });

  it('a late item of an ended run commits only its own ack (run-ended)', async () => {
    const build = async (redis: RedisHandle) => {
      const s = stateShard(redis);
      const f = await busyRun(s);
      await s.store.finishRun(finishInput(s, f.run, { current: { item: f.b, leaseId: f.bLease } }));
      const late = edgeItem(s, f.run, 'late');
      await s.shard.enqueue(late);
      return { s, f, late, lateLease: await lease(s, late) };
    };
    const a = await build(redis);
    const b = await build(redis);
    expect(await snapshot(a.s.raw, a.s.prefix)).toEqual(await snapshot(b.s.raw, b.s.prefix));
    const r = await a.s.store.commitStep({
      item: a.late,
      leaseId: a.lateLease,
      entries: [
        { type: 'memo', stepId: 'late', memoJson: '"x"' },
        { type: 'item', item: edgeItem(a.s, a.f.run, 'after-late') },
        { type: 'pause', pause: waitPause(a.s, a.f.run, 'w2', 'e/w2', T0 + 1).pause },
      ],
      pending: ['q'],
      die: '1',
      maxStateBytes: 1 << 20,
    });
    expect(r).toEqual({ status: 'run-ended' });
    expect(await b.s.shard.dequeue(b.late, b.lateLease)).toEqual({ ok: true });
    expect(await snapshot(a.s.raw, a.s.prefix)).toEqual(await snapshot(b.s.raw, b.s.prefix));
  });

  it('a cancellation from outside (no item) sweeps every item, leased or not', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    s.clock.advance(10);
    const input = finishInput(s, f.run, {
      status: 'cancelled',
      resultJson: undefined,
      errorJson: '{"name":"Cancelled"}',
    });
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    const state = await expectHealthy(s.raw, s.shard.keys, s.clock.now());
    expect([...state.items.keys()]).toEqual([input.finishItem.id]);
    const meta = await s.raw.hgetall(s.store.keys.meta(f.run.runId));
    expect(meta).toMatchObject({ status: 'cancelled', error: '{"name":"Cancelled"}' });
    expect(meta.result).toBeUndefined();
    // The pause index was not passed in: the matcher drops the dangling entry.
    expect(await s.store.pauseCandidates('e/wait')).toEqual([]);
    expect(await s.raw.smembers(s.store.keys.pauseIndex('e/wait'))).toEqual([]);
  });

  it('a finish with a stale lease ends nothing', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    const before = await snapshot(s.raw, s.prefix);
    const wrong = foreignLeaseId(T0 + 10_000);
    const input = finishInput(s, f.run, { current: { item: f.b, leaseId: wrong } });
    expect(await s.store.finishRun(input)).toEqual({
      status: 'lease-lost',
      reason: 'lease-mismatch',
    });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('a finish by a lease whose commit already took the item (its reply lost) ends nothing', async () => {
    // Found by the simulator: a commit's reply was lost on the item's last attempt, the executor
    // fell back to failing the run with the same lease, and the finish answered OK (as a repeat
    // of itself) although nothing ended; the run went on and finished later, a second time.
    const s = stateShard(redis);
    const f = await busyRun(s);
    const committed = await s.store.commitStep({
      item: f.b,
      leaseId: f.bLease,
      entries: [{ type: 'memo', stepId: 'b', memoJson: '"bee"', record: record('b') }],
      maxStateBytes: 1 << 20,
    });
    expect(committed.status).toBe('committed');
    const before = await snapshot(s.raw, s.prefix);
    const input = finishInput(s, f.run, {
      status: 'failed',
      errorJson: '{"message":"reply lost"}',
      current: { item: f.b, leaseId: f.bLease },
    });
    expect(await s.store.finishRun(input)).toEqual({ status: 'lease-lost', reason: 'not-found' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
    expect(await s.raw.hget(s.store.keys.meta(f.run.runId), 'status')).toBe('running');
  });

  it('a finish repeated by its own lease (its reply lost) answers finished again', async () => {
    const s = stateShard(redis);
    const f = await busyRun(s);
    const input = finishInput(s, f.run, { current: { item: f.b, leaseId: f.bLease } });
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    const before = await snapshot(s.raw, s.prefix);
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    expect(await snapshot(s.raw, s.prefix)).toEqual(before);
  });

  it('queues the finish item at its run start, ahead of the start items of newer runs', async () => {
    // A backlog of newer runs waits in the same function partition: scored at the time the run
    // ended, its finish item (and the terminal events it emits) would wait behind all of them.
    const s = stateShard(redis);
    const old = await newRun(s);
    const newer: TestRun[] = [];
    for (let i = 0; i < 3; i++) {
      s.clock.advance(1000);
      newer.push(await newRun(s, { runId: ulid(s.clock.now(), seededRandom(`newer-${i}`)) }));
    }
    const startLease = await lease(s, old.start);
    s.clock.advance(5000);
    const input = finishInput(s, old, { current: { item: old.start, leaseId: startLease } });
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    const ready = await s.raw.zrange(
      s.shard.keys.ready(old.start.partitionId),
      0,
      -1,
      'WITHSCORES',
    );
    expect(ready).toEqual([
      input.finishItem.id,
      String(T0),
      ...newer.flatMap((r, i) => [r.start.id, String(T0 + 1000 * (i + 1))]),
    ]);
    // The stored item says the same score as its ready set.
    const stored = await s.raw.hget(s.shard.keys.items(), input.finishItem.id);
    expect(decodeItem(stored as string).score).toBe(T0);
  });

  it('releases the slots its step items hold for custom concurrency keys, leased ones too', async () => {
    // A keyed run: two step items hold its key's slot (one ours, one another worker's). Kept
    // in the key's in-progress set after the run ended, they would block the key's next runs
    // until their leases expired.
    const s = stateShard(redis);
    const run = await newRun(s);
    const keyed = (name: string) =>
      s.queue.buildItem({
        ...edgeItem(s, run, name),
        customKeys: [{ scope: 'fn', key: 'user-1', limit: 5 }],
      });
    const [a, b] = [keyed('a'), keyed('b')];
    const startLease = await lease(s, run.start);
    const committed = await s.store.commitStep({
      item: run.start,
      leaseId: startLease,
      entries: [
        { type: 'item', item: a },
        { type: 'item', item: b },
      ],
      maxStateBytes: 1 << 20,
    });
    expect(committed.status).toBe('committed');
    const aLease = await lease(s, a);
    await lease(s, b);
    const slots = s.shard.keys.inProgressCustom(a.customKeys[0]!.canonical);
    expect(await s.raw.zcard(slots)).toBe(2);
    const input = finishInput(s, run, { current: { item: a, leaseId: aLease } });
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    expect(await s.raw.zcard(slots)).toBe(0);
  });

  it('a cancellation from outside releases the key slots of the items it sweeps', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const item = s.queue.buildItem({
      ...edgeItem(s, run, 'a'),
      customKeys: [{ scope: 'fn', key: 'user-2', limit: 1 }],
    });
    const startLease = await lease(s, run.start);
    await s.store.commitStep({
      item: run.start,
      leaseId: startLease,
      entries: [{ type: 'item', item }],
      maxStateBytes: 1 << 20,
    });
    await lease(s, item);
    const slots = s.shard.keys.inProgressCustom(item.customKeys[0]!.canonical);
    expect(await s.raw.zcard(slots)).toBe(1);
    const input = finishInput(s, run, { status: 'cancelled', keyedItem: item });
    expect(await s.store.finishRun(input)).toEqual({ status: 'finished' });
    expect(await s.raw.zcard(slots)).toBe(0);
  });
});
