import type { Redis } from 'ioredis';
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  ulidTime,
  type EnqueueInput,
  type ManualClock,
  type Queue,
  type QueueItem,
  type QueueShard,
} from '../../src/internal.js';
import { readShardState, shardViolations } from '../../testkit/shard-state.js';
import {
  describeModel,
  predictDequeue,
  predictEnqueue,
  predictFence,
  predictLease,
  type Model,
  type ModelItem,
} from './model.js';

export interface Real {
  shard: QueueShard;
  queue: Queue;
  clock: ManualClock;
  raw: Redis;
}

export const IDS = 8;
export const LEASE_MS = 2000;
const PARTITIONS = ['fn:a0:f0', 'fn:a1:f0', 'fn:a0:f1', 'fn:a1:f1'];

/**
 * Item `i` is always the same item: its account, function and custom key follow from i. Items
 * 0–5 share two partitions (three each, so FIFO batches meet the function limit with items left
 * behind them); 6 and 7 have partitions of their own; 0, 3 and 6 share a custom key per account.
 */
export function inputFor(i: number): EnqueueInput & { id: string } {
  const input: EnqueueInput & { id: string } = {
    id: `id${i}`,
    kind: 'edge',
    accountId: `a${i % 2}`,
    functionId: i < 6 ? 'f0' : 'f1',
  };
  if (i % 3 === 0) input.customKeys = [{ scope: 'account', key: 'k', limit: 1 }];
  return input;
}

/** 'fn:<account>:<function>' as the shard API takes a partition. */
function partitionRef(pid: string): { id: string; accountId: string; functionId: string } {
  const [, accountId, functionId] = pid.split(':') as [string, string, string];
  return { id: pid, accountId, functionId };
}

async function realItem(r: Real, i: number): Promise<QueueItem> {
  return (await r.shard.getItem(`id${i}`)) ?? r.queue.buildItem(inputFor(i));
}

function pickLease(m: Model, id: string, which: 'current' | 'stale'): string {
  const item = m.items.get(id);
  if (which === 'current' && item?.lease) return item.lease;
  return item?.pastLeases.at(-1) ?? '01HF7Y0000000000000000ZZZZ';
}

/** After every command: the shard's structural invariants, and each item where the model says. */
async function checkAgainstModel(m: Model, r: Real): Promise<void> {
  const s = await readShardState(r.raw, r.shard.keys);
  // Deferrals here are at most a 1 s partition lease or a 500 ms force: cap them at 2 s.
  expect(shardViolations(s, r.shard.keys, m.now, 0, 2000)).toEqual([]);
  const real = [...s.items.keys()].sort();
  expect(real, describeModel(m)).toEqual([...m.items.keys()].sort());
  for (const [id, item] of m.items) {
    const home = s.ready.get(item.pid)?.has(id)
      ? 'ready'
      : s.leased.get(item.pid)?.has(id)
        ? 'leased'
        : 'none';
    expect(`${id}:${home}`, describeModel(m)).toBe(`${id}:${item.home}`);
    expect(s.leases.get(id) ?? null).toBe(item.lease);
    expect(s.items.get(id)).toMatchObject({
      attempt: item.attempt,
      generation: item.generation,
      score: item.score,
    });
  }
  for (const [id, t] of m.tombstones) {
    if (m.items.has(id)) continue;
    expect(await r.raw.get(r.shard.keys.tombstone(id))).toBe(`${t.expiresAt}|${t.leaseId}`);
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** A dequeue succeeded: the item is gone and its tombstone names the lease (or '' unfenced). */
function removeDequeued(m: Model, id: string, leaseId: string | null): void {
  m.items.delete(id);
  m.tombstones.set(id, { expiresAt: m.now + m.tombstoneTtlMs, leaseId: leaseId ?? '' });
}

class Enqueue implements Cmd {
  constructor(
    readonly i: number,
    readonly offsetMs: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const expected = predictEnqueue(m, id);
    const res = await r.queue.enqueue({ ...inputFor(this.i), at: m.now + this.offsetMs });
    expect(res.status).toBe(expected);
    if (expected === 'enqueued') {
      const input = inputFor(this.i);
      m.tombstones.delete(id);
      m.items.set(id, {
        id,
        pid: `fn:${input.accountId}:${input.functionId}`,
        account: input.accountId as string,
        customKey: input.customKeys ? `a:${input.accountId}:k` : null,
        customLimit: 1,
        score: m.now + this.offsetMs,
        attempt: 0,
        generation: 1,
        home: 'ready',
        lease: null,
        pastLeases: [],
      });
    }
    await checkAgainstModel(m, r);
  }
  toString = () => `enqueue(id${this.i}, +${this.offsetMs})`;
}

function granted(m: Model, item: ModelItem, leaseId: string): void {
  if (item.lease) item.pastLeases.push(item.lease);
  item.lease = leaseId;
  item.home = 'leased';
  expect(ulidTime(leaseId)).toBe(m.now + LEASE_MS);
}

class Lease implements Cmd {
  constructor(readonly i: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const expected = predictLease(m, id);
    const res = await r.shard.lease(await realItem(r, this.i), {
      durationMs: LEASE_MS,
      limits: m.limits,
    });
    expect(res.ok ? 'ok' : res.reason, describeModel(m)).toBe(expected);
    if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `lease(id${this.i})`;
}

class LeaseBatch implements Cmd {
  constructor(
    readonly p: number,
    readonly fifo: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const pid = PARTITIONS[this.p]!;
    const peeked = await r.shard.peek(partitionRef(pid), m.now + 1000, 4);
    const expectedPeek = [...m.items.values()]
      .filter((i) => i.pid === pid && i.home === 'ready' && i.score <= m.now + 1000)
      .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1))
      .slice(0, 4)
      .map((i) => i.id);
    expect(peeked.map((p) => p.item.id)).toEqual(expectedPeek);
    const results = await r.shard.leaseBatch(
      peeked.map((p) => p.item),
      { durationMs: LEASE_MS, limits: m.limits, fifo: this.fifo },
    );
    let stopped = false;
    results.forEach((res, k) => {
      const id = peeked[k]!.item.id;
      const expected = stopped ? 'not-attempted' : predictLease(m, id);
      if (this.fifo && (expected === 'function-limit' || expected === 'account-limit'))
        stopped = true;
      expect(res.ok ? 'ok' : res.reason, `${id} in batch; ${describeModel(m)}`).toBe(expected);
      if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    });
    await checkAgainstModel(m, r);
  }
  toString = () => `leaseBatch(${PARTITIONS[this.p]}, fifo=${this.fifo})`;
}

class Extend implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale',
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const leaseId = pickLease(m, id, this.which);
    const expected = predictFence(m, id, leaseId);
    const res = await r.shard.extendLease(await realItem(r, this.i), leaseId, LEASE_MS);
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `extend(id${this.i}, ${this.which})`;
}

class Dequeue implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale' | 'none',
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const item = m.items.get(id);
    const leaseId = this.which === 'none' ? null : pickLease(m, id, this.which);
    const expected = predictDequeue(m, id, leaseId);
    const res = await r.shard.dequeue(await realItem(r, this.i), leaseId);
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok && item) removeDequeued(m, id, leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `dequeue(id${this.i}, ${this.which})`;
}

type Pick = 'current' | 'stale' | 'none' | 'repeat';

/**
 * Several dequeues in one dequeueBatch call: each entry answers as the same dequeue alone would,
 * in order ('repeat' sends the previous entry again, as a retried ack would).
 */
class DequeueBatch implements Cmd {
  constructor(readonly picks: [number, Pick][]) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const entries: { item: QueueItem; leaseId: string | null }[] = [];
    const ids: string[] = [];
    const expected: string[] = [];
    for (const [i, which] of this.picks) {
      const last = entries.at(-1);
      const repeat = which === 'repeat' && last !== undefined;
      const id = repeat ? ids.at(-1)! : `id${i}`;
      const item = repeat ? last.item : await realItem(r, i);
      const leaseId = repeat
        ? last.leaseId
        : which === 'none' || which === 'repeat'
          ? null
          : pickLease(m, id, which);
      const outcome = predictDequeue(m, id, leaseId);
      if (outcome === 'ok' && m.items.has(id)) removeDequeued(m, id, leaseId);
      entries.push({ item, leaseId });
      ids.push(id);
      expected.push(outcome);
    }
    const res = await r.shard.dequeueBatch(entries);
    expect(res.map((x) => (x.ok ? 'ok' : x.reason))).toEqual(expected);
    await checkAgainstModel(m, r);
  }
  toString = () => `dequeueBatch(${this.picks.map(([i, w]) => `id${i}:${w}`).join(', ')})`;
}

class Requeue implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale',
    readonly offsetMs: number,
    readonly consume: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const leaseId = pickLease(m, id, this.which);
    const expected = predictFence(m, id, leaseId);
    const res = await r.shard.requeue(await realItem(r, this.i), leaseId, {
      at: m.now + this.offsetMs,
      consumeAttempt: this.consume,
    });
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) {
      const item = m.items.get(id)!;
      item.pastLeases.push(item.lease!);
      Object.assign(item, {
        home: 'ready',
        lease: null,
        score: m.now + this.offsetMs,
        generation: item.generation + 1,
      });
      if (this.consume) item.attempt++;
    }
    await checkAgainstModel(m, r);
  }
  toString = () =>
    `requeue(id${this.i}, ${this.which}, +${this.offsetMs}, consume=${this.consume})`;
}

class Scavenge implements Cmd {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const expected = [...m.items.values()].filter(
      (i) => i.home === 'leased' && ulidTime(i.lease!) + m.graceMs <= m.now,
    );
    const res = await r.shard.scavenge();
    expect(res.itemIds.sort()).toEqual(expected.map((i) => i.id).sort());
    for (const i of expected) {
      i.pastLeases.push(i.lease!);
      Object.assign(i, { home: 'ready', lease: null, generation: i.generation + 1 });
    }
    await checkAgainstModel(m, r);
  }
  toString = () => 'scavenge()';
}

class PartitionPass implements Cmd {
  constructor(
    readonly p: number,
    readonly force: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const pid = PARTITIONS[this.p]!;
    const ref = partitionRef(pid);
    const exists = [...m.items.values()].some((i) => i.pid === pid);
    const held = m.partitionLeases.get(pid);
    const res = await r.shard.leasePartition(ref, 1000);
    const expected = !exists
      ? 'not-found'
      : held && ulidTime(held) + m.graceMs > m.now
        ? 'already-leased'
        : 'ok';
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) {
      m.partitionLeases.set(pid, res.leaseId);
      expect(
        await r.shard.requeuePartition(ref, {
          at: m.now + 500,
          force: this.force,
          leaseId: res.leaseId,
        }),
      ).toBe('ok');
      m.partitionLeases.delete(pid);
    }
    await checkAgainstModel(m, r);
  }
  toString = () => `partitionPass(${PARTITIONS[this.p]}, force=${this.force})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.clock.advance(this.ms);
    m.now += this.ms;
    await checkAgainstModel(m, r);
  }
  toString = () => `advance(${this.ms})`;
}

const id = fc.integer({ min: 0, max: IDS - 1 });
const which = fc.constantFrom<'current' | 'stale'>('current', 'stale');

export const commands = [
  fc.tuple(id, fc.integer({ min: 0, max: 3000 })).map(([i, o]) => new Enqueue(i, o)),
  id.map((i) => new Lease(i)),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([p, f]) => new LeaseBatch(p, f)),
  fc.tuple(id, which).map(([i, w]) => new Extend(i, w)),
  fc
    .tuple(id, fc.constantFrom<'current' | 'stale' | 'none'>('current', 'stale', 'none'))
    .map(([i, w]) => new Dequeue(i, w)),
  fc
    .tuple(id, which, fc.integer({ min: 0, max: 3000 }), fc.boolean())
    .map(([i, w, o, c]) => new Requeue(i, w, o, c)),
  fc
    .array(fc.tuple(id, fc.constantFrom<Pick>('current', 'stale', 'none', 'repeat', 'current')), {
      minLength: 1,
      maxLength: 4,
    })
    .map((picks) => new DequeueBatch(picks)),
  fc.constant(new Scavenge()),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([p, f]) => new PartitionPass(p, f)),
  fc.integer({ min: 1, max: 2500 }).map((ms) => new Advance(ms)),
];
