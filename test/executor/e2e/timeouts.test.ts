import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, connectRedis, seededRandom } from '../../../src/index.js';
import { encodeRunItemPayload } from '../../../src/executor/item-payload.js';
import { useE2E } from './harness.js';

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
};

/**
 * `timeouts` end to end with the real SDK (reference §11.7): a run that does not start within
 * `start` of its creation, or does not end within `finish` of its first start, ends Cancelled
 * with the timeout as its reason, and runs no step after its deadline.
 */
describe('timeouts (dev mode)', () => {
  const calls = new Map<string, number>();
  const bump = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const h = useE2E(
    'dev',
    'timeouts',
    (inngest) => [
      inngest.createFunction(
        { id: 'queued', concurrency: 1, timeouts: { start: '1s' }, triggers: [{ event: 'to/q' }] },
        async ({ event, step }) => {
          const n = String(event.data.n);
          bump(`queued:${n}`);
          await step.run('slow', () => sleep(Number(event.data.slowMs ?? 0)));
          return n;
        },
      ),
      inngest.createFunction(
        {
          id: 'keyed',
          concurrency: { limit: 1, key: 'event.data.user' },
          timeouts: { start: '1s' },
          triggers: [{ event: 'to/key' }],
        },
        async ({ event, step }) => {
          bump(`keyed:${String(event.data.n)}`);
          await step.run('slow', () => sleep(Number(event.data.slowMs ?? 0)));
        },
      ),
      inngest.createFunction(
        { id: 'napper', timeouts: { finish: '2s' }, triggers: [{ event: 'to/nap' }] },
        async ({ step }) => {
          await step.run('before', () => bump('napper:before'));
          await step.sleep('nap', '6s');
          await step.run('after', () => bump('napper:after'));
        },
      ),
      inngest.createFunction(
        {
          id: 'slow-first',
          concurrency: 1,
          timeouts: { finish: '1s' },
          triggers: [{ event: 'to/slow' }],
        },
        async ({ step }) => {
          await step.run('slow', async () => {
            await sleep(2000);
            return 'done';
          });
          await step.run('after', () => bump('slow-first:after'));
        },
      ),
      inngest.createFunction(
        { id: 'in-time', timeouts: { start: '1s', finish: '5s' }, triggers: [{ event: 'to/ok' }] },
        async ({ step }) => {
          await step.sleep('past-start', '1500ms');
          return await step.run('a', () => 'ok');
        },
      ),
    ],
    // A partition refused for a concurrency key comes back in 200 ms (default 5 s): the eager
    // cancel item shares its run's partition, so it is leased no sooner than that.
    { processor: { idleMaxMs: 50, lookaheadMs: 0, concurrencyRequeueMs: 200 } },
  );
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('start: a run that cannot start in time (behind a busy concurrency slot) is cancelled unrun', async () => {
    const [a] = await h.trigger('to/q', { n: 'a', slowMs: 2500 });
    await until(() => calls.get('queued:a') === 1);
    const [b] = await h.trigger('to/q', { n: 'b' });
    const runB = await h.engine.waitForRun(b as string, { timeoutMs: 15_000 });
    expect(runB.status).toBe('cancelled');
    expect(runB.cancelReason).toBe('start-timeout');
    expect(runB.steps).toEqual([]);
    const runA = await h.engine.waitForRun(a as string, { timeoutMs: 15_000 });
    expect(runA.status).toBe('completed');
    expect(runA.cancelReason).toBeUndefined();
    await sleep(300);
    expect(calls.get('queued:b')).toBeUndefined();
  });

  it('start: the eager cancel item ends a run waiting for its concurrency key, at its deadline', async () => {
    const [a] = await h.trigger('to/key', { n: 'a', user: 'u1', slowMs: 4000 });
    await until(() => calls.get('keyed:a') === 1);
    const [b] = await h.trigger('to/key', { n: 'b', user: 'u1' });
    const run = await h.engine.waitForRun(b as string, { timeoutMs: 15_000 });
    expect(run.status).toBe('cancelled');
    expect(run.cancelReason).toBe('start-timeout');
    // At its 1 s deadline, while the key's holder still runs (4 s), not when the key frees.
    expect((run.endedAt as number) - run.createdAt).toBeGreaterThanOrEqual(1000);
    expect((run.endedAt as number) - run.createdAt).toBeLessThan(3000);
    expect((await h.engine.getRun(a as string))?.status).toBe('running');
    expect((await h.engine.waitForRun(a as string, { timeoutMs: 15_000 })).status).toBe(
      'completed',
    );
    expect(calls.get('keyed:b')).toBeUndefined();
  });

  it('finish: a run sleeping past its finish timeout is cancelled then, without the step after', async () => {
    const [id] = await h.trigger('to/nap');
    const run = await h.engine.waitForRun(id as string, { timeoutMs: 15_000 });
    expect(run.status).toBe('cancelled');
    expect(run.cancelReason).toBe('finish-timeout');
    expect(calls.get('napper:before')).toBe(1);
    const startedAt = run.startedAt as number;
    expect((run.endedAt as number) - startedAt).toBeGreaterThanOrEqual(2000);
    expect((run.endedAt as number) - startedAt).toBeLessThan(6000);
    await sleep(300);
    expect(calls.get('napper:after')).toBeUndefined();
  });

  it('finish: a request begun before the deadline completes; the next step never starts', async () => {
    const [id] = await h.trigger('to/slow');
    const run = await h.engine.waitForRun(id as string, { timeoutMs: 15_000 });
    expect(run.status).toBe('cancelled');
    expect(run.cancelReason).toBe('finish-timeout');
    expect(run.steps.map((s) => s.name)).toEqual(['slow']);
    await sleep(300);
    expect(calls.get('slow-first:after')).toBeUndefined();
  });

  it('a run that starts and finishes in time is untouched; late timeout items change nothing', async () => {
    const [id] = await h.trigger('to/ok');
    const runId = id as string;
    const run = await h.engine.waitForRun(runId, { timeoutMs: 15_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toBe('ok');
    // Both timeout items again, due now, after the run completed.
    const transport = await connectRedis(h.redis.url);
    closers.push(() => transport.close());
    const clock = new ManualClock(Date.now());
    const random = seededRandom(1);
    const shard = new QueueShard({ name: 'durq', transport, clock, random });
    const queue = new Queue({ shards: [shard], clock, random });
    const functionId = 'timeouts-in-time';
    for (const timeout of ['start', 'finish'] as const)
      await queue.enqueue({
        id: `late-${timeout}`,
        kind: 'cancel',
        accountId: 'default',
        functionId,
        runId,
        payload: encodeRunItemPayload({ runId, functionId, timeout }),
      });
    await sleep(1000);
    const after = await h.engine.getRun(runId);
    expect(after?.status).toBe('completed');
    expect(after?.cancelReason).toBeUndefined();
    expect(after?.endedAt).toBe(run.endedAt);
  });

  it('an API cancel records its reason', async () => {
    const [id] = await h.trigger('to/nap');
    await until(async () => (await h.engine.getRun(id as string))?.status === 'running');
    expect(await h.engine.cancel(id as string)).toBe(true);
    const run = await h.engine.getRun(id as string);
    expect(run?.status).toBe('cancelled');
    expect(run?.cancelReason).toBe('api');
  });
});
