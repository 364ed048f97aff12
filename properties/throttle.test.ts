import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, seededRandom } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { propertyParams } from './settings.js';

describe('throttle', () => {
  const redis = useRedis();
  let run = 0;

  it('GCRA: for any (limit, burst, period) and arrivals, every window T admits <= limit + burst + floor(T*limit/period)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        async (limit, burst, periodMs, gaps) => {
          const clock = new ManualClock(T0);
          const shard = new QueueShard({
            name: `th-${process.pid}-${++run}`,
            transport: redis.transport,
            clock,
            random: seededRandom(run),
          });
          const queue = new Queue({ shards: [shard], clock, random: seededRandom(run) });
          const throttle = { limit, burst, periodMs };
          const admitted: number[] = [];
          for (const gap of gaps) {
            clock.advance(gap);
            const { item } = await queue.enqueue({
              kind: 'start',
              accountId: 'a',
              functionId: 'f',
              throttle,
            });
            const r = await shard.lease(item, { durationMs: 1000 });
            if (r.ok) {
              admitted.push(clock.now());
            } else {
              expect(r.reason).toBe('throttled');
              expect(r.retryAt).toBeGreaterThan(clock.now());
            }
            await shard.dequeue(item, r.ok ? r.leaseId : null);
          }
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const bound =
                limit + burst + Math.floor(((admitted[j]! - admitted[i]!) * limit) / periodMs);
              expect(j - i + 1).toBeLessThanOrEqual(bound);
            }
          }
          // From idle, of the requests at the first instant exactly min(count, limit + burst) pass.
          const first = T0 + gaps[0]!;
          const zeroGaps = gaps.slice(1).findIndex((g) => g !== 0);
          const atFirst = zeroGaps === -1 ? gaps.length : zeroGaps + 1;
          expect(admitted.filter((t) => t === first).length).toBe(Math.min(atFirst, limit + burst));
        },
      ),
      propertyParams(100),
    );
  }, 180_000);
});
