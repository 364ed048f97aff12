import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, connectRedis, seededRandom } from '../../../src/index.js';
import { encodeRunItemPayload } from '../../../src/executor/item-payload.js';
import { useE2E } from './harness.js';

/** A `cancel` queue item (an eager cancellation) ends its run when it fires. */
describe('cancel items', () => {
  let ran = 0;
  const h = useE2E('dev', 'cancelitem', (inngest) => [
    inngest.createFunction({ id: 'slow', triggers: [{ event: 'ci/go' }] }, async ({ step }) => {
      await step.sleep('long', '30s');
      return await step.run('after', () => ++ran);
    }),
  ]);
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('a cancel item for a running run cancels it; a second one for the ended run is a no-op', async () => {
    const [runId] = await h.trigger('ci/go');
    const transport = await connectRedis(h.redis.url);
    closers.push(() => transport.close());
    const clock = new ManualClock(Date.now());
    const random = seededRandom(1);
    const shard = new QueueShard({ name: 'durq', transport, clock, random });
    const queue = new Queue({ shards: [shard], clock, random });
    while ((await h.engine.getRun(runId as string))?.status !== 'running')
      await new Promise((r) => setTimeout(r, 10));
    for (const id of ['cancel-1', 'cancel-2'])
      await queue.enqueue({
        id,
        kind: 'cancel',
        accountId: 'default',
        functionId: 'cancelitem-slow',
        runId: runId as string,
        payload: encodeRunItemPayload({ runId: runId as string, functionId: 'cancelitem-slow' }),
      });
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 10_000 });
    expect(run.status).toBe('cancelled');
    expect(ran).toBe(0);
  });
});
