import { describe, expect, it } from 'vitest';
import type { EnqueueInput, QueueItem } from '../../../src/queue/item.js';
import { expectHealthy } from '../../../testkit/shard-state.js';
import { freshQueue, T0, useRedis } from '../../../testkit/redis-fixture.js';

const base: EnqueueInput = { kind: 'edge', accountId: 'a1', functionId: 'f1' };
const P = { id: 'fn:a1:f1', accountId: 'a1' };

describe('leaseBatch (lua/queue/leaseBatch-n.lua)', () => {
  const redis = useRedis();

  async function enqueueMany(
    queue: { enqueue: (i: EnqueueInput) => Promise<{ item: QueueItem }> },
    inputs: EnqueueInput[],
  ) {
    const items: QueueItem[] = [];
    for (const [i, input] of inputs.entries())
      items.push((await queue.enqueue({ at: T0 + i, ...input })).item);
    return items;
  }

  it('leases every item of a batch in one call, each with its own lease', async () => {
    const { queue, shard } = freshQueue(redis);
    const items = await enqueueMany(
      queue,
      Array.from({ length: 50 }, () => base),
    );
    const results = await shard.leaseBatch(items, { durationMs: 30_000 });
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = new Set(results.map((r) => (r.ok ? r.leaseId : '')));
    expect(ids.size).toBe(50);
    const s = await expectHealthy(redis.raw, shard.keys, T0);
    expect(s.leased.get('fn:a1:f1')?.size).toBe(50);
  });

  it('FIFO: stops at the first function limit; later items are not attempted', async () => {
    const { queue, shard } = freshQueue(redis);
    const items = await enqueueMany(
      queue,
      Array.from({ length: 5 }, () => base),
    );
    const results = await shard.leaseBatch(items, { durationMs: 1000, limits: { function: 2 } });
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'ok',
      'function-limit',
      'not-attempted',
      'not-attempted',
    ]);
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('FIFO: stops at the first account limit too; non-FIFO keeps trying', async () => {
    const { queue, shard } = freshQueue(redis);
    const items = await enqueueMany(
      queue,
      Array.from({ length: 3 }, () => base),
    );
    const fifo = await shard.leaseBatch(items, { durationMs: 1000, limits: { account: 1 } });
    expect(fifo.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'account-limit',
      'not-attempted',
    ]);
    const parallel = await shard.leaseBatch(items.slice(1), {
      durationMs: 1000,
      limits: { account: 1 },
      fifo: false,
    });
    expect(parallel.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'account-limit',
      'account-limit',
    ]);
  });

  it('custom-key and throttle refusals let later items through', async () => {
    const { queue, shard } = freshQueue(redis);
    const ck = (key: string): EnqueueInput => ({
      ...base,
      customKeys: [{ scope: 'fn', key, limit: 1 }],
    });
    const th: EnqueueInput = {
      ...base,
      kind: 'start',
      throttle: { key: 't', limit: 1, periodMs: 60_000 },
    };
    const items = await enqueueMany(queue, [ck('u1'), ck('u1'), th, th, ck('u2'), base]);
    const results = await shard.leaseBatch(items, { durationMs: 1000, limits: { function: 10 } });
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'custom-key-1-limit',
      'ok',
      'throttled',
      'ok',
      'ok',
    ]);
    const throttled = results[3];
    expect(throttled && !throttled.ok && throttled.retryAt).toBe(T0 + 60_000);
    await expectHealthy(redis.raw, shard.keys, T0);
  });

  it('reports items that vanished or are leased, and refuses a batch spanning partitions', async () => {
    const { queue, shard } = freshQueue(redis);
    const [a, b] = await enqueueMany(queue, [base, base]);
    await shard.lease(a!, { durationMs: 1000 });
    const ghost = queue.buildItem(base);
    const results = await shard.leaseBatch([a!, ghost, b!], { durationMs: 1000 });
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'already-leased',
      'not-found',
      'ok',
    ]);
    const other = queue.buildItem({ ...base, functionId: 'f2' });
    await expect(shard.leaseBatch([b!, other], { durationMs: 1000 })).rejects.toThrow(
      /one partition/,
    );
  });

  it('peeked items lease in score order', async () => {
    const { queue, shard } = freshQueue(redis);
    await enqueueMany(queue, [
      { ...base, at: T0 + 30 },
      { ...base, at: T0 + 10 },
      { ...base, at: T0 + 20 },
    ]);
    const peeked = await shard.peek(P, T0 + 100, 10);
    const results = await shard.leaseBatch(
      peeked.map((p) => p.item),
      { durationMs: 1000, limits: { function: 2 } },
    );
    expect(peeked.map((p) => p.score)).toEqual([T0 + 10, T0 + 20, T0 + 30]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });
});
