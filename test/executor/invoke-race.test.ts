import { executorContext } from '../../testkit/executor-context.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttemptFailedError } from '../../src/executor/attempt-error.js';
import type { ExecutorContext } from '../../src/executor/context.js';
import { cancelRun } from '../../src/executor/cancel.js';
import { sendEvents } from '../../src/executor/ingest.js';
import { scheduleRun } from '../../src/executor/schedule.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';

/**
 * step.invoke sends the invocation before it commits the parent's pause. A child that finishes
 * in between finds no pause: its finish item must retry (AttemptFailedError) while the parent is
 * open and its step has no result, and let go once the parent ended.
 */
describe('invoke: a child finishing before its parent waits', () => {
  const redis = useRedis();
  let ctx: ExecutorContext;

  beforeAll(async () => {
    ({ ctx } = executorContext({
      name: `invoke-race-${process.pid}`,
      transport: redis.transport,
      seed: 7,
      retentionMs: 60_000,
    }));
    await ctx.registry.registerConfig(
      {
        app_id: 'race',
        functions: [
          {
            id: 'race-parent',
            name: 'parent',
            triggers: [{ event: 'race/go' }],
            steps: {
              step: {
                id: 'step',
                name: 'step',
                runtime: {
                  type: 'http',
                  url: 'http://race.test/api/inngest?fnId=race-parent&stepId=step',
                },
              },
            },
          },
        ],
      },
      'http://race.test/api/inngest',
    );
  });

  it('retries while the parent is open and waiting for nothing, and lets go once it ended', async () => {
    const [fn] = await ctx.registry.functions();
    const scheduled = await scheduleRun(ctx, fn!, [
      {
        internalId: '01J0000000000000000000000A',
        name: 'race/go',
        data: {},
        id: 'e1',
        ts: T0,
        user: {},
      },
    ]);
    expect(scheduled.status).toBe('created');
    const finished = {
      name: 'inngest/function.finished',
      data: {
        function_id: 'race-child',
        run_id: 'x',
        result: 42,
        correlation_id: `${scheduled.runId}.step-x`,
      },
    };
    await expect(sendEvents(ctx, finished, { internal: true })).rejects.toBeInstanceOf(
      AttemptFailedError,
    );
    expect(await cancelRun(ctx, scheduled.runId)).toBe(true);
    await expect(sendEvents(ctx, finished, { internal: true })).resolves.toHaveLength(1);
  });
});
