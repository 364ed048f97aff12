import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Queue,
  QueueShard,
  SystemClock,
  createProcessor,
  seededRandom,
  type EnqueueInput,
} from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import { waitUntil } from '../test/helpers/wait.js';
import { propertyParams } from './settings.js';

/**
 * Fairness bound. Accounts have equal weight. Every scan splits the free worker slots evenly
 * between the accounts with due work (ceil(free / accounts) each) and visits them in a seeded
 * random order, so over a window in which every account stays backlogged each account's expected
 * share is 1/k of the leases. Deviation comes from granularity (a scan's slots can run out before
 * the last accounts in its order) and randomness. The bound checked: over the first W leases,
 * while every account is still backlogged, each account gets at least half its fair share, minus
 * one round of worker slots: count_i >= W/(2k) - C.
 */
describe('fairness', () => {
  const redis = useRedis();
  let run = 0;

  it('each backlogged account gets at least half its fair share of leases, minus one round of slots', async () => {
    const workload = fc.record({
      backlogs: fc.array(fc.integer({ min: 60, max: 400 }), { minLength: 2, maxLength: 5 }),
      partitions: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 5, maxLength: 5 }),
      concurrency: fc.integer({ min: 4, max: 24 }),
    });
    await fc.assert(
      fc.asyncProperty(workload, async ({ backlogs, partitions, concurrency }) => {
        const clock = new SystemClock();
        const shard = new QueueShard({
          name: `fair-p-${process.pid}-${++run}`,
          transport: redis.transport,
          clock,
          random: seededRandom(run),
        });
        const queue = new Queue({ shards: [shard], clock, random: seededRandom(run) });
        const inputs: EnqueueInput[] = [];
        backlogs.forEach((n, a) => {
          for (let i = 0; i < n; i++)
            inputs.push({
              kind: 'edge',
              accountId: `acct${a}`,
              functionId: `f${i % partitions[a]!}`,
            });
        });
        for (let i = 0; i < inputs.length; i += 500)
          await Promise.all(inputs.slice(i, i + 500).map((x) => queue.enqueue(x)));
        const starts: number[] = [];
        const processor = await createProcessor({
          queue,
          concurrency,
          handler: async (item) => void starts.push(Number(item.accountId!.slice(4))),
        });
        const k = backlogs.length;
        const window = Math.min(...backlogs) * k; // long before the smallest backlog could be gone
        try {
          await waitUntil(() => starts.length >= window, 30_000, 'the window of leases');
        } finally {
          await processor.close();
        }
        // The window ends where the first account ran out.
        const seen = new Array<number>(k).fill(0);
        let end = 0;
        for (; end < starts.length; end++) {
          const a = starts[end]!;
          seen[a]!++;
          if (seen[a] === backlogs[a]) break;
        }
        const w = Math.min(end, window);
        const counts = new Array<number>(k).fill(0);
        for (const a of starts.slice(0, w)) counts[a]!++;
        for (let a = 0; a < k; a++) {
          expect(
            counts[a],
            `account ${a}: ${counts[a]} of ${w} leases (k=${k}, C=${concurrency})`,
          ).toBeGreaterThanOrEqual(w / (2 * k) - concurrency);
        }
      }),
      propertyParams(8),
    );
  }, 240_000);
});
