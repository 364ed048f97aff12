import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from '../../src/core/clock.js';
import type { QueueItem } from '../../src/queue/item.js';
import { BACKOFF_TABLE_MS, retryDelayMs } from '../../src/queue/processor/run/backoff.js';
import {
  DeferError,
  NonRetriableError,
  RetryAtError,
} from '../../src/queue/processor/run/handler.js';
import { createProcessor } from '../../src/queue/processor/processor.js';
import type { ProcessorOptions } from '../../src/queue/processor/options.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { waitUntil } from '../helpers/wait.js';

describe('retries', () => {
  const redis = useRedis();
  let n = 0;

  function setup(clock: ManualClock | SystemClock) {
    const random = seededRandom(++n);
    const shard = new QueueShard({
      name: `retry-${process.pid}-${n}`,
      transport: redis.transport,
      clock,
      random,
    });
    return { shard, queue: new Queue({ shards: [shard], clock, random }) };
  }

  /** Advances the manual clock in steps, letting the processor react between them. */
  async function advanceTo(clock: ManualClock, target: number): Promise<void> {
    while (clock.now() < target) {
      clock.set(Math.min(target, clock.now() + 1000));
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  const quiet: Partial<ProcessorOptions> = { hooks: { log: () => {} }, retryJitterMs: 0 };

  it('follows the backoff table, then ends the item as a permanent failure on its last attempt', async () => {
    const clock = new ManualClock(T0);
    const { queue } = setup(clock);
    const calls: { at: number; attempt: number }[] = [];
    const failures: [QueueItem, unknown][] = [];
    await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f', maxAttempts: 4 });
    const processor = await createProcessor({
      ...quiet,
      queue,
      handler: async (_item, ctx) => {
        calls.push({ at: clock.now(), attempt: ctx.attempt });
        throw new Error('boom');
      },
      hooks: { log: () => {}, onPermanentFailure: (item, err) => failures.push([item, err]) },
    });
    await waitUntil(() => calls.length === 1);
    let expectedAt = T0;
    for (let attempt = 0; attempt < 3; attempt++) {
      expectedAt += BACKOFF_TABLE_MS[attempt]!;
      await advanceTo(clock, expectedAt - 1);
      expect(calls).toHaveLength(attempt + 1);
      await advanceTo(clock, expectedAt);
      await waitUntil(() => calls.length === attempt + 2);
    }
    await waitUntil(() => failures.length === 1);
    expect(calls.map((c) => c.attempt)).toEqual([0, 1, 2, 3]);
    expect(calls.map((c) => c.at - T0)).toEqual([0, 15_000, 45_000, 105_000]);
    expect((failures[0]![1] as Error).message).toBe('boom');
    expect(processor.stats).toMatchObject({ retried: 3, failed: 1, succeeded: 0 });
    await processor.close();
  });

  it('an explicit retry-at wins over the table; a non-retriable error ends after one attempt', async () => {
    const clock = new ManualClock(T0);
    const { queue, shard } = setup(clock);
    const calls: { id: string; at: number }[] = [];
    const failures: string[] = [];
    const a = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      id: 'retry-at',
      payload: 'a',
    });
    await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'g',
      id: 'fatal',
      payload: 'b',
    });
    const processor = await createProcessor({
      ...quiet,
      queue,
      handler: async (item) => {
        calls.push({ id: item.id, at: clock.now() });
        if (item.id === 'fatal') throw new NonRetriableError('no point');
        if (item.attempt === 0) throw new RetryAtError('later', clock.now() + 7000);
      },
      hooks: { log: () => {}, onPermanentFailure: (item) => failures.push(item.id) },
    });
    await waitUntil(() => calls.length === 2 && failures.length === 1);
    expect(failures).toEqual(['fatal']);
    await advanceTo(clock, T0 + 6999);
    expect(calls.filter((c) => c.id === 'retry-at')).toHaveLength(1);
    await advanceTo(clock, T0 + 7000);
    await waitUntil(() => calls.length === 3);
    expect(calls.filter((c) => c.id === 'retry-at').map((c) => c.at)).toEqual([T0, T0 + 7000]);
    await waitUntil(() => processor.stats.succeeded === 1);
    expect(await shard.getItem(a.item.id)).toBeNull();
    expect(await shard.getItem('fatal')).toBeNull();
    await processor.close();
  });

  it('a DeferError requeues at its time without consuming an attempt, even on the last one', async () => {
    const clock = new ManualClock(T0);
    const { queue, shard } = setup(clock);
    const a = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      maxAttempts: 1,
    });
    const calls: { attempt: number; at: number }[] = [];
    const failures: string[] = [];
    const processor = await createProcessor({
      ...quiet,
      queue,
      handler: async (_item, ctx) => {
        calls.push({ attempt: ctx.attempt, at: clock.now() });
        if (calls.length < 3) throw new DeferError('outage', clock.now() + 2000);
      },
      hooks: { log: () => {}, onPermanentFailure: (item) => failures.push(item.id) },
    });
    await waitUntil(() => calls.length === 1);
    await advanceTo(clock, T0 + 1999);
    expect(calls).toHaveLength(1);
    await advanceTo(clock, T0 + 2000);
    await waitUntil(() => calls.length === 2);
    await advanceTo(clock, T0 + 4000);
    await waitUntil(() => processor.stats.succeeded === 1);
    expect(calls).toEqual([
      { attempt: 0, at: T0 },
      { attempt: 0, at: T0 + 2000 },
      { attempt: 0, at: T0 + 4000 },
    ]);
    expect(failures).toEqual([]);
    expect(await shard.getItem(a.item.id)).toBeNull();
    await processor.close();
  });

  it('capacity refusals never consume an attempt', async () => {
    const clock = new SystemClock();
    const { queue } = setup(clock);
    const attempts: number[] = [];
    for (let i = 0; i < 12; i++)
      await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f' });
    const processor = await createProcessor({
      ...quiet,
      queue,
      concurrency: 10,
      limits: { function: () => 1 },
      handler: async (_item, ctx) => {
        attempts.push(ctx.attempt);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await waitUntil(() => processor.stats.succeeded === 12, 30_000);
    expect(processor.stats.refusals['function-limit'] ?? 0).toBeGreaterThan(0);
    expect(attempts).toEqual(new Array(12).fill(0));
    await processor.close();
  });

  it('jitter is seeded and bounded; the scale shrinks table and jitter alike', () => {
    const r1 = seededRandom('j');
    const r2 = seededRandom('j');
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = BACKOFF_TABLE_MS[Math.min(attempt, 9)]!;
      const d = retryDelayMs(attempt, r1, { scale: 1, jitterMs: 30_000 });
      expect(d).toBeGreaterThanOrEqual(base);
      expect(d).toBeLessThanOrEqual(base + 30_000);
      expect(retryDelayMs(attempt, r2, { scale: 1, jitterMs: 30_000 })).toBe(d);
    }
    expect(retryDelayMs(0, r1, { scale: 0.001, jitterMs: 0 })).toBe(15);
    expect(retryDelayMs(50, r1, { scale: 1, jitterMs: 0 })).toBe(7_200_000);
  });
});
