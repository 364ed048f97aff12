import { describe, expect, it } from 'vitest';
import type { EnqueueInput } from '../../src/queue/item.js';
import { seededRandom } from '../../src/core/random.js';
import { freshQueue, T0, useRedis } from '../../testkit/redis-fixture.js';

/** Contract point 4: admissions in any window T <= limit + burst + floor(T·limit/period). */
function windowViolations(
  admitted: number[],
  limit: number,
  burst: number,
  periodMs: number,
): string[] {
  const v: string[] = [];
  for (let i = 0; i < admitted.length; i++) {
    for (let j = i; j < admitted.length; j++) {
      const span = (admitted[j] as number) - (admitted[i] as number);
      const bound = limit + burst + Math.floor((span * limit) / periodMs);
      if (j - i + 1 > bound) v.push(`${j - i + 1} admissions in ${span} ms > ${bound}`);
    }
  }
  return v;
}

const CASES: [number, number, number][] = [
  [1, 0, 1000],
  [3, 0, 1000],
  [5, 2, 10_000],
  [10, 5, 60_000],
  [7, 3, 999],
  [2, 10, 5000],
];

describe('GCRA throttle', () => {
  const redis = useRedis();

  it.each(CASES)(
    'limit %i, burst %i, period %i ms: every window within the bound; bursts and rate are as promised',
    async (limit, burst, periodMs) => {
      const { queue, shard, clock } = freshQueue(redis);
      const random = seededRandom(`${limit}-${burst}-${periodMs}`);
      const input: EnqueueInput = {
        kind: 'start',
        accountId: 'a1',
        functionId: 'f1',
        throttle: { limit, burst, periodMs },
      };
      const admitted: number[] = [];
      const attempt = async (): Promise<boolean> => {
        const { item } = await queue.enqueue(input);
        const r = await shard.lease(item, { durationMs: 60_000 });
        if (r.ok) {
          admitted.push(clock.now());
          await shard.dequeue(item, r.leaseId);
          return true;
        }
        expect(r.reason).toBe('throttled');
        expect(r.retryAt).toBeGreaterThan(clock.now());
        await shard.dequeue(item, null);
        return false;
      };

      // From idle: exactly limit + burst at one instant.
      let burstCount = 0;
      while (await attempt()) burstCount++;
      expect(burstCount).toBe(limit + burst);

      // A refusal must not change state: the next admission comes exactly at the emission interval.
      const stateBefore = await redis.raw.get(shard.keys.throttle('a1:f1'));
      await attempt();
      expect(await redis.raw.get(shard.keys.throttle('a1:f1'))).toBe(stateBefore);

      // Random arrivals: bursts of attempts at random gaps from 0 to 2 periods.
      for (let step = 0; step < 150; step++) {
        clock.advance(
          random.int(Math.ceil((2 * periodMs) / Math.max(1, limit))) +
            (random.next() < 0.1 ? periodMs : 0),
        );
        const tries = 1 + random.int(limit + burst + 2);
        for (let t = 0; t < tries; t++) if (!(await attempt())) break;
      }
      expect(windowViolations(admitted, limit, burst, periodMs)).toEqual([]);

      // Long-run rate: saturated arrivals (each refusal retries at retryAt) get limit per period.
      const start = clock.now();
      const before = admitted.length;
      let lastRetryAt = 0;
      const saturate = async (): Promise<void> => {
        const { item } = await queue.enqueue(input);
        const r = await shard.lease(item, { durationMs: 60_000 });
        if (r.ok) {
          admitted.push(clock.now());
          await shard.dequeue(item, r.leaseId);
        } else {
          await shard.dequeue(item, null);
          lastRetryAt = r.retryAt as number;
          if (lastRetryAt <= start + 10 * periodMs) clock.set(lastRetryAt);
        }
      };
      while (lastRetryAt <= start + 10 * periodMs) await saturate();
      const duringRun = admitted.length - before;
      expect(duringRun).toBeGreaterThanOrEqual(limit * 10);
      expect(duringRun).toBeLessThanOrEqual(limit * 10 + limit + burst);
      expect(windowViolations(admitted, limit, burst, periodMs)).toEqual([]);
    },
  );

  it('retryAt is exactly when the next admission fits', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const input: EnqueueInput = {
      kind: 'start',
      accountId: 'a1',
      functionId: 'f1',
      throttle: { limit: 3, periodMs: 1000 },
    };
    for (let i = 0; i < 3; i++)
      expect((await shard.lease((await queue.enqueue(input)).item, { durationMs: 1000 })).ok).toBe(
        true,
      );
    const { item } = await queue.enqueue(input);
    const refused = await shard.lease(item, { durationMs: 1000 });
    if (refused.ok || refused.retryAt === undefined) throw new Error('expected a throttle refusal');
    expect(refused.retryAt).toBe(T0 + 334); // ceil(1000 / 3)
    clock.set(refused.retryAt - 1);
    expect((await shard.lease(item, { durationMs: 1000 })).ok).toBe(false);
    clock.set(refused.retryAt);
    expect((await shard.lease(item, { durationMs: 1000 })).ok).toBe(true);
  });

  it('throttle keys are independent, and only start items are throttled', async () => {
    const { queue, shard } = freshQueue(redis);
    const keyed = (key: string): EnqueueInput => ({
      kind: 'start',
      accountId: 'a1',
      functionId: 'f1',
      throttle: { key, limit: 1, periodMs: 60_000 },
    });
    expect(
      (await shard.lease((await queue.enqueue(keyed('u1'))).item, { durationMs: 1000 })).ok,
    ).toBe(true);
    expect(
      (await shard.lease((await queue.enqueue(keyed('u2'))).item, { durationMs: 1000 })).ok,
    ).toBe(true);
    expect(
      (await shard.lease((await queue.enqueue(keyed('u1'))).item, { durationMs: 1000 })).ok,
    ).toBe(false);
    expect(() => queue.buildItem({ ...keyed('u1'), kind: 'edge' })).toThrow(
      /throttle applies to start items only/,
    );
  });
});
