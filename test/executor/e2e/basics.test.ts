import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetryAfterError } from 'inngest';
import { useE2E, type Mode } from './harness.js';

/**
 * End to end with the real `inngest` SDK over loopback HTTP: plain returns, memoized chains,
 * sleeps, retries and non-retriable errors, in dev mode and in signed mode.
 */
describe.each<Mode>(['dev', 'signed'])('basics (%s mode)', (mode) => {
  const bodies = new Map<string, number>();
  const attempts: number[] = [];
  const retryAfterAt: number[] = [];
  const ran = (key: string) => bodies.set(key, (bodies.get(key) ?? 0) + 1);
  const h = useE2E(mode, `basics-${mode}`, (inngest) => [
    inngest.createFunction(
      { id: 'plain', triggers: [{ event: 'demo/plain' }] },
      async ({ event }) => {
        return { hello: event.data.who };
      },
    ),
    inngest.createFunction(
      { id: 'chain', triggers: [{ event: 'demo/chain' }] },
      async ({ event, step }) => {
        const tag = String(event.data.tag);
        const a = await step.run('a', () => (ran(`${tag}:a`), 1));
        const b = await step.run('b', () => (ran(`${tag}:b`), a + 1));
        const c = await step.run('c', () => (ran(`${tag}:c`), b + 1));
        return { a, b, c };
      },
    ),
    inngest.createFunction(
      { id: 'sleeper', triggers: [{ event: 'demo/sleep' }] },
      async ({ step }) => {
        const before = await step.run('before', () => Date.now());
        await step.sleep('nap', '1s');
        const after = await step.run('after', () => Date.now());
        return { slept: after - before };
      },
    ),
    inngest.createFunction(
      { id: 'flaky', retries: 3, triggers: [{ event: 'demo/flaky' }] },
      async ({ step, attempt }) => {
        return await step.run('sometimes', () => {
          attempts.push(attempt);
          if (attempt < 2) throw new Error(`boom ${attempt}`);
          return 'ok';
        });
      },
    ),
    inngest.createFunction(
      { id: 'hopeless', retries: 3, triggers: [{ event: 'demo/hopeless' }] },
      async ({ step }) => {
        return await step.run('never', () => {
          ran('hopeless');
          throw new NonRetriableError('no point');
        });
      },
    ),
    inngest.createFunction(
      { id: 'later', retries: 1, triggers: [{ event: 'demo/later' }] },
      async ({ step }) => {
        return await step.run('wait-for-it', () => {
          retryAfterAt.push(Date.now());
          if (retryAfterAt.length === 1) throw new RetryAfterError('not yet', '2s');
          return 'done';
        });
      },
    ),
  ]);

  it('a function without steps returns its value', async () => {
    const [runId] = await h.trigger('demo/plain', { who: 'world' });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ hello: 'world' });
  });

  it('a chain of step.run: each body runs once, memoized results feed the next', async () => {
    const tag = `t${Math.random()}`;
    const [runId] = await h.trigger('demo/chain', { tag });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ a: 1, b: 2, c: 3 });
    expect([bodies.get(`${tag}:a`), bodies.get(`${tag}:b`), bodies.get(`${tag}:c`)]).toEqual([
      1, 1, 1,
    ]);
    expect(run.steps.map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('step.sleep resumes the run after the duration', async () => {
    const [runId] = await h.trigger('demo/sleep');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 20_000 });
    expect(run.status).toBe('completed');
    expect((run.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
    expect(run.steps.map((s) => s.op)).toEqual(['StepRun', 'Sleep', 'StepRun']);
    // Every request of the run, the one after the sleep too, carries the run's budget (4 + 1).
    const calls = h.app.requests.filter(
      (r) => (r.body as { ctx?: { run_id?: string } })?.ctx?.run_id === runId,
    );
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const c of calls)
      expect((c.body as { ctx: { max_attempts: number } }).ctx.max_attempts).toBe(5);
  });

  it('a step failing twice then succeeding with retries: 3 sees attempts 0, 1, 2', async () => {
    attempts.length = 0;
    const [runId] = await h.trigger('demo/flaky');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 20_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('NonRetriableError: one attempt, and the run fails with it', async () => {
    bodies.delete('hopeless');
    const [runId] = await h.trigger('demo/hopeless');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 20_000 });
    expect(run.status).toBe('failed');
    expect(bodies.get('hopeless')).toBe(1);
    expect(run.error).toMatchObject({ name: 'NonRetriableError', message: 'no point' });
  });

  it('RetryAfterError: the retry waits for the time the SDK gave', async () => {
    retryAfterAt.length = 0;
    const [runId] = await h.trigger('demo/later');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 20_000 });
    expect(run.status).toBe('completed');
    expect(retryAfterAt).toHaveLength(2);
    expect((retryAfterAt[1] as number) - (retryAfterAt[0] as number)).toBeGreaterThanOrEqual(1900);
  });

  it('the same event ID twice within 24 h starts one run per function', async () => {
    const first = await h.trigger('demo/plain', { who: 'x' }, `dup-${mode}`);
    const second = await h.trigger('demo/plain', { who: 'y' }, `dup-${mode}`);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
  });
});
