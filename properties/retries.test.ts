import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NonRetriableError,
  Queue,
  QueueShard,
  RetryAtError,
  SystemClock,
  createProcessor,
  retryDelayMs,
  seededRandom,
} from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import { waitUntil } from '../test/helpers/wait.js';
import { propertyParams } from './settings.js';

type Outcome = 'ok' | 'error' | 'fatal' | 'retry-at';
const SCALE = 0.001; // 15 s -> 15 ms

/** What a sequence of per-attempt outcomes must lead to, with maxAttempts. */
function expected(
  plan: Outcome[],
  maxAttempts: number,
): { runs: number; final: 'completed' | 'failed' } {
  for (let a = 0; a < maxAttempts; a++) {
    const o = plan[a] ?? 'ok';
    if (o === 'ok') return { runs: a + 1, final: 'completed' };
    if (o === 'fatal') return { runs: a + 1, final: 'failed' };
  }
  return { runs: maxAttempts, final: 'failed' };
}

describe('retries', () => {
  const redis = useRedis();
  let run = 0;

  it('attempts and backoff follow the outcome sequence: +1 per failure, the table (or retry-at), then the end', async () => {
    const plan = fc.array(fc.constantFrom<Outcome>('ok', 'error', 'error', 'fatal', 'retry-at'), {
      minLength: 1,
      maxLength: 5,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(plan, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 4 }),
        async (items) => {
          const clock = new SystemClock();
          const shard = new QueueShard({
            name: `retry-p-${process.pid}-${++run}`,
            transport: redis.transport,
            clock,
            random: seededRandom(run),
          });
          const queue = new Queue({ shards: [shard], clock, random: seededRandom(run) });
          const runs = new Map<string, { attempt: number; at: number }[]>();
          const failed = new Set<string>();
          const completed = new Set<string>();
          for (const [k, [outcomes, maxAttempts]] of items.entries()) {
            await queue.enqueue({
              id: `i${k}`,
              kind: 'edge',
              accountId: 'a',
              functionId: `f${k}`,
              maxAttempts,
              payload: outcomes,
            });
          }
          const processor = await createProcessor({
            queue,
            backoffScale: SCALE,
            retryJitterMs: 0,
            hooks: { log: () => {}, onPermanentFailure: (item) => failed.add(item.id) },
            handler: async (item, ctx) => {
              const log = runs.get(item.id) ?? [];
              log.push({ attempt: ctx.attempt, at: clock.now() });
              runs.set(item.id, log);
              const o = (ctx.payload as Outcome[])[ctx.attempt] ?? 'ok';
              if (o === 'error') throw new Error('planned');
              if (o === 'fatal') throw new NonRetriableError('planned');
              if (o === 'retry-at') throw new RetryAtError('planned', clock.now() + 7);
              completed.add(item.id);
            },
          });
          const total = items.length;
          try {
            await waitUntil(
              () => completed.size + failed.size === total,
              20_000,
              'every item to finish',
            );
          } finally {
            await processor.close();
          }
          for (const [k, [outcomes, maxAttempts]] of items.entries()) {
            const id = `i${k}`;
            const want = expected(outcomes, maxAttempts);
            const log = runs.get(id) ?? [];
            expect(log.map((r) => r.attempt)).toEqual(
              Array.from({ length: want.runs }, (_, a) => a),
            );
            expect(want.final === 'completed' ? completed.has(id) : failed.has(id)).toBe(true);
            for (let a = 1; a < log.length; a++) {
              const wait =
                outcomes[a - 1] === 'retry-at'
                  ? 7
                  : retryDelayMs(a - 1, seededRandom(0), { scale: SCALE, jitterMs: 0 });
              expect(log[a]!.at - log[a - 1]!.at).toBeGreaterThanOrEqual(wait - 1);
            }
            expect(await shard.getItem(id)).toBeNull();
          }
        },
      ),
      propertyParams(25),
    );
  }, 240_000);
});
