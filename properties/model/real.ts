/**
 * What the model commands share: the real system under test, the fixed item set, the state check
 * every command ends with, and the model updates more than one command makes.
 */
import type { Redis } from 'ioredis';
import type fc from 'fast-check';
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
import { describeModel, type Model, type ModelItem } from './model.js';

export interface Real {
  shard: QueueShard;
  queue: Queue;
  clock: ManualClock;
  raw: Redis;
}

export const IDS = 8;
export const LEASE_MS = 2000;
export const PARTITIONS = ['fn:a0:f0', 'fn:a1:f0', 'fn:a0:f1', 'fn:a1:f1'];

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
export function partitionRef(pid: string): { id: string; accountId: string; functionId: string } {
  const [, accountId, functionId] = pid.split(':') as [string, string, string];
  return { id: pid, accountId, functionId };
}

export async function realItem(r: Real, i: number): Promise<QueueItem> {
  return (await r.shard.getItem(`id${i}`)) ?? r.queue.buildItem(inputFor(i));
}

export function pickLease(m: Model, id: string, which: 'current' | 'stale'): string {
  const item = m.items.get(id);
  if (which === 'current' && item?.lease) return item.lease;
  return item?.pastLeases.at(-1) ?? '01HF7Y0000000000000000ZZZZ';
}

/** After every command: the shard's structural invariants, and each item where the model says. */
export async function checkAgainstModel(m: Model, r: Real): Promise<void> {
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

export type Cmd = fc.AsyncCommand<Model, Real>;

/** A dequeue succeeded: the item is gone and its tombstone names the lease (or '' unfenced). */
export function removeDequeued(m: Model, id: string, leaseId: string | null): void {
  m.items.delete(id);
  m.tombstones.set(id, { expiresAt: m.now + m.tombstoneTtlMs, leaseId: leaseId ?? '' });
}

/** A lease was granted (or extended): the item is leased under the new id. */
export function granted(m: Model, item: ModelItem, leaseId: string): void {
  if (item.lease) item.pastLeases.push(item.lease);
  item.lease = leaseId;
  item.home = 'leased';
  expect(ulidTime(leaseId)).toBe(m.now + LEASE_MS);
}
