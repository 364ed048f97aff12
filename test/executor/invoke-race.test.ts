import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../src/index.js';
import { HttpDriver } from '../../src/driver/driver.js';
import type { HttpTransport } from '../../src/driver/http-transport.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { RunStore } from '../../src/state/run-store.js';
import { AttemptFailedError } from '../../src/executor/attempt-error.js';
import type { ExecutorContext } from '../../src/executor/context.js';
import { cancelRun } from '../../src/executor/cancel.js';
import { sendEvents } from '../../src/executor/ingest.js';
import { Lifecycle } from '../../src/executor/lifecycle.js';
import { Registry } from '../../src/executor/registry.js';
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
    const clock = new ManualClock(T0);
    const random = seededRandom(7);
    const shard = new QueueShard({
      name: `invoke-race-${process.pid}`,
      transport: redis.transport,
      clock,
      random,
    });
    const queue = new Queue({ shards: [shard], clock, random });
    const store = new RunStore(shard);
    const transport: HttpTransport = {
      send: () => Promise.reject(new Error('no app in this test')),
      close: async () => {},
    };
    const driver = new HttpDriver({ transport, clock });
    ctx = {
      queue,
      accountId: 'default',
      store,
      registry: new Registry(store, driver),
      driver,
      clock,
      random,
      lifecycle: new Lifecycle([], () => {}),
      log: () => {},
      retentionMs: 60_000,
      eventRetentionMs: 60_000,
      maxEventBytes: 512 * 1024,
      maxRequestBodyBytes: 4 * 1024 * 1024,
    };
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
