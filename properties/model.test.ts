import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, seededRandom } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { commands, type Real } from './model/commands.js';
import type { Model } from './model/model.js';
import { propertyParams } from './settings.js';

describe('model-based: the queue shard against an in-memory model', () => {
  const redis = useRedis();
  let run = 0;
  let executed = 0;
  const coverage = new Map<string, number>();
  /**
   * Situations the random histories must keep reaching: a detector whose histories stop reaching
   * a case stops catching its bugs silently (as happened to FIFO stops once a command was added).
   */
  const REQUIRED = [
    'lease:ok',
    'lease:already-leased',
    'lease:function-limit',
    'lease:account-limit',
    'lease:custom-key-1-limit',
    'lease:not-attempted',
    'fifo-stop-with-items-behind',
    'enqueue:exists',
    'enqueue:tombstoned',
  ];

  it('every command answers as the model predicts and leaves the shard consistent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 60, size: 'large' }),
        fc.constantFrom(0, 1000),
        fc.record({
          function: fc.integer({ min: 1, max: 2 }),
          account: fc.integer({ min: 1, max: 3 }),
        }),
        async (cmds, graceMs, limits) => {
          const clock = new ManualClock(T0);
          const random = seededRandom(++run);
          const shard = new QueueShard({
            name: `model-${process.pid}-${run}`,
            transport: redis.transport,
            clock,
            random,
            tombstoneTtlMs: 5000,
            graceMs,
          });
          const queue = new Queue({ shards: [shard], clock, random });
          const model: Model = {
            now: T0,
            items: new Map(),
            tombstones: new Map(),
            partitionLeases: new Map(),
            limits,
            tombstoneTtlMs: 5000,
            graceMs,
            coverage,
          };
          const real: Real = { shard, queue, clock, raw: redis.raw };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          executed += [...cmds].length;
        },
      ),
      propertyParams(300),
    );
    console.log(`model-based: ${run} runs, ${executed} commands`, Object.fromEntries(coverage));
    for (const what of REQUIRED)
      expect(coverage.get(what) ?? 0, `never reached: ${what}`).toBeGreaterThan(0);
  }, 240_000);
});
