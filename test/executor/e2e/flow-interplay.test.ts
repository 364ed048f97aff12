import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/**
 * Flow-control options meeting each other and the event-level idempotency, with the real SDK
 * (found by review, issue 14): a re-sent event of a debounced, rate-limited function runs
 * nothing, and invoking a function that its rate limit skips fails the step at once with
 * Inngest's error instead of waiting for the invoke's timeout.
 */
describe('flow control interplay (dev mode)', () => {
  const debounced: unknown[] = [];
  const childRuns: string[] = [];
  const outcomes: { result?: unknown; error?: string }[] = [];
  const h = useE2E('dev', 'mix', (inngest) => {
    const child = inngest.createFunction(
      { id: 'limited-child', rateLimit: { limit: 1, period: '1h' }, triggers: [] },
      async ({ runId }) => {
        childRuns.push(runId);
        return 'ok';
      },
    );
    return [
      inngest.createFunction(
        {
          id: 'debounced-limited',
          debounce: { period: '1s' },
          rateLimit: { limit: 1, period: '1h' },
          triggers: [{ event: 'mix/deb' }],
        },
        async ({ event }) => void debounced.push(event.id),
      ),
      child,
      inngest.createFunction(
        { id: 'invoker', triggers: [{ event: 'mix/invoke' }] },
        async ({ step }) => {
          try {
            const result = await step.invoke('call', { function: child, data: {}, timeout: '1m' });
            outcomes.push({ result });
          } catch (e) {
            outcomes.push({ error: (e as Error).message });
          }
        },
      ),
    ];
  });

  it('a rate-limited event re-sent with its ID does not run a debounced function', async () => {
    await h.engine.send({ name: 'mix/deb', data: {}, id: 'first' });
    await expect.poll(() => debounced.length, { timeout: 10_000 }).toBe(1);
    const { ids } = await h.engine.send({ name: 'mix/deb', data: {}, id: 'second' });
    const [skipped] = Object.keys(await h.engine.runsOf(ids[0] as string));
    expect((await h.engine.getRun(skipped as string))?.status).toBe('skipped');
    await h.engine.send({ name: 'mix/deb', data: {}, id: 'second' });
    await h.engine.send({ name: 'mix/deb', data: {}, id: 'first' });
    await sleep(3_000); // two debounce periods and more
    expect(debounced).toEqual(['first']);
  }, 30_000);

  it('invoking a function its rate limit skips fails the step at once', async () => {
    const [first] = await h.trigger('mix/invoke');
    expect((await h.engine.waitForRun(first as string)).status).toBe('completed');
    const [second] = await h.trigger('mix/invoke');
    // Well before the invoke's 1-minute timeout.
    expect((await h.engine.waitForRun(second as string, { timeoutMs: 10_000 })).status).toBe(
      'completed',
    );
    expect(outcomes).toEqual([{ result: 'ok' }, { error: 'invoked function is rate limited' }]);
    expect(childRuns).toHaveLength(1);
  }, 30_000);
});
