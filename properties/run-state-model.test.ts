import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ManualClock, Queue, QueueShard, RunStore, seededRandom, ulid } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { runStateCommands } from './run-state/commands.js';
import { createRun, FN, idempotencyKeyOf, type RunModel } from './run-state/world.js';
import { propertyParams } from './settings.js';

/**
 * Model-based: one run's state against a model, through the run-state scripts on real Redis:
 * step commits (first write wins, a stale lease commits nothing), a pause resumed by an event
 * or its timeout (exactly once), and the finish (once; a cancel sweeps the run's items). The
 * model predicts every answer and the memo, stack and status after each command.
 */
describe('model-based: run state against a model', () => {
  const redis = useRedis();
  let n = 0;

  it('every command answers as the model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(runStateCommands, { maxCommands: 40, size: 'large' }),
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
          const model: RunModel = {
            status: 'open',
            memo: new Map(),
            stack: [],
            pause: null,
            leased: true,
          };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      propertyParams(60),
    );
  });
});
