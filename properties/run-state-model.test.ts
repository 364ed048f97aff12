import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, RunStore, seededRandom, ulid } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { coverage, REQUIRED, runStateCommands } from './run-state/commands.js';
import { createRun, FN, idempotencyKeyOf, newModel } from './run-state/world.js';
import { propertyParams } from './settings.js';

/**
 * Model-based: one run's state against a model, through the run-state scripts on real Redis:
 * step commits (first write wins; a stale lease commits nothing; a repeat by the same lease, as
 * after a lost reply, answers OK and changes nothing; a run that ended commits only the ack,
 * shown by an item of it that no finish swept), a parallel plan (its pending set; only the last
 * step to finish enqueues the coalesced discovery), a pause resumed by an event or its timeout
 * (exactly once, also when the event wins while the timeout item is already running), and the
 * finish (once: its result or error stay; a cancel sweeps the run's items; a stale lease ends
 * nothing). The model predicts every answer and, after each command, the status, memo, stack,
 * step count, state size, die flag, pending set, stored pauses and every item on the shard.
 */
describe('model-based: run state against a model', () => {
  const redis = useRedis();
  let n = 0;

  it('every command answers as the model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(runStateCommands, { maxCommands: 60, size: 'large' }),
        async (cmds) => {
          const clock = new ManualClock(T0);
          const random = seededRandom(++n);
          const shard = new QueueShard({
            name: `rsm-${process.pid}-${n}`,
            transport: redis.transport,
            clock,
            random,
          });
          const queue = new Queue({ shards: [shard], clock, random });
          const runId = ulid(T0, random);
          const real = await createRun({
            store: new RunStore(shard),
            shard,
            queue,
            clock,
            raw: redis.raw,
            runId,
            idempotencyKey: idempotencyKeyOf(FN, `evt-${n}`),
          });
          const model = newModel(real);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      propertyParams(250),
    );
    console.log(`run-state model: ${n} runs`, Object.fromEntries(coverage));
    for (const what of REQUIRED)
      expect(coverage.get(what) ?? 0, `never reached: ${what}`).toBeGreaterThan(0);
  });
});
