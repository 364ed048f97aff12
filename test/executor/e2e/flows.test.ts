import { describe, expect, it } from 'vitest';
import { NonRetriableError } from 'inngest';
import { useE2E, type Mode } from './harness.js';

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * End to end with the real SDK: waitForEvent, invoke, sendEvent, parallel steps and races,
 * onFailure, cancellation, in dev mode and in signed mode.
 */
describe.each<Mode>(['dev', 'signed'])('flows (%s mode)', (mode) => {
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const failures: unknown[] = [];
  const h = useE2E(mode, `flows-${mode}`, (inngest) => {
    const child = inngest.createFunction(
      { id: 'child', triggers: [{ event: 'math/double' }] },
      async ({ event }) => {
        if (event.data.fail) throw new NonRetriableError('child says no');
        return { doubled: (event.data.n as number) * 2 };
      },
    );
    const slow = inngest.createFunction({ id: 'slow', triggers: [] }, async ({ step }) => {
      await step.sleep('dawdle', '3s');
      return 'late';
    });
    return [
      child,
      inngest.createFunction(
        { id: 'waiter', triggers: [{ event: 'shop/order' }] },
        async ({ event, step }) => {
          await step.run('ready', () => 'ready');
          const paid = await step.waitForEvent('wait-paid', {
            event: 'shop/paid',
            timeout: String(event.data.timeout ?? '10s'),
            if: 'async.data.order == event.data.order',
          });
          return { paid };
        },
      ),
      inngest.createFunction(
        { id: 'impatient', triggers: [{ event: 'math/impatient' }] },
        async ({ step }) => {
          try {
            return await step.invoke('call-slow', { function: slow, data: {}, timeout: '1s' });
          } catch (err) {
            return { caught: (err as Error).name };
          }
        },
      ),
      slow,
      inngest.createFunction(
        { id: 'parent', triggers: [{ event: 'math/parent' }] },
        async ({ event, step }) => {
          try {
            const r = await step.invoke('call-child', {
              function: child,
              data: { n: event.data.n, fail: event.data.fail },
            });
            return { got: r };
          } catch (err) {
            return { caught: (err as Error).message };
          }
        },
      ),
      inngest.createFunction(
        { id: 'sender', triggers: [{ event: 'chat/start' }] },
        async ({ event, step }) => {
          await step.sendEvent('notify', { name: 'chat/notified', data: { tag: event.data.tag } });
          return 'sent';
        },
      ),
      inngest.createFunction(
        { id: 'receiver', triggers: [{ event: 'chat/notified' }] },
        async ({ event }) => {
          bump(`received:${String(event.data.tag)}`);
          return { tag: event.data.tag };
        },
      ),
      inngest.createFunction(
        { id: 'fanout', triggers: [{ event: 'par/all' }] },
        async ({ event, step }) => {
          const tag = String(event.data.tag);
          const parts = await Promise.all(
            ['x', 'y', 'z'].map((k) =>
              step.run(`part-${k}`, () => (bump(`${tag}:${k}`), k.toUpperCase())),
            ),
          );
          const joined = await step.run('join', () => (bump(`${tag}:join`), parts.join('')));
          return joined;
        },
      ),
      inngest.createFunction(
        { id: 'racer', triggers: [{ event: 'par/race' }] },
        async ({ step }) => {
          const winner = await Promise.race([
            step.run('fast', () => 'fast'),
            step.sleep('slow', '2s').then(() => 'slow'),
          ]);
          return winner;
        },
      ),
      inngest.createFunction(
        {
          id: 'doomed',
          retries: 0,
          triggers: [{ event: 'fail/now' }],
          onFailure: async ({
            error,
            event,
          }: {
            error: Error;
            event: { data: { event: { data: unknown } } };
          }) => {
            failures.push({ message: error.message, original: event.data.event.data });
          },
        },
        async () => {
          throw new Error('it broke');
        },
      ),
      inngest.createFunction(
        {
          id: 'cancellable',
          triggers: [{ event: 'job/start' }],
          cancelOn: [{ event: 'job/stop', match: 'data.job' }],
        },
        async ({ step }) => {
          await step.run('first', () => bump('cancellable:first'));
          await step.sleep('long', '30s');
          await step.run('second', () => bump('cancellable:second'));
          return 'finished';
        },
      ),
    ];
  });

  it('waitForEvent: a matching event resumes it, a non-matching one does not', async () => {
    const [runId] = await h.trigger('shop/order', { order: 'o1' });
    await until(async () => (await h.engine.getRun(runId as string))?.steps.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    await h.engine.send({ name: 'shop/paid', data: { order: 'other' } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.engine.getRun(runId as string))?.status).toBe('running');
    await h.engine.send({ name: 'shop/paid', data: { order: 'o1', amount: 5 } });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.status).toBe('completed');
    expect((run.output as { paid: { data: unknown; name: string } }).paid).toMatchObject({
      name: 'shop/paid',
      data: { order: 'o1', amount: 5 },
    });
  });

  it('waitForEvent times out with null', async () => {
    const [runId] = await h.trigger('shop/order', { order: 'o2', timeout: '1s' });
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 15_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ paid: null });
  });

  it('step.invoke returns the child result, and throws the child failure', async () => {
    const [ok] = await h.trigger('math/parent', { n: 21 });
    expect((await h.engine.waitForRun(ok as string)).output).toEqual({ got: { doubled: 42 } });
    const [bad] = await h.trigger('math/parent', { n: 1, fail: true });
    const run = await h.engine.waitForRun(bad as string);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ caught: 'child says no' });
  });

  it('step.invoke that outlives its timeout throws InngestInvokeTimeoutError', async () => {
    const [runId] = await h.trigger('math/impatient');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 15_000 });
    expect(run.output).toEqual({ caught: 'InngestInvokeTimeoutError' });
  });

  it('step.sendEvent triggers another function', async () => {
    const tag = `s${Math.random()}`;
    const [runId] = await h.trigger('chat/start', { tag });
    expect((await h.engine.waitForRun(runId as string)).output).toBe('sent');
    await until(() => counts.get(`received:${tag}`) === 1);
  });

  it('Promise.all of three steps: each runs once, then one discovery after the fan-in', async () => {
    const tag = `p${Math.random()}`;
    const [runId] = await h.trigger('par/all', { tag });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.output).toBe('XYZ');
    for (const k of ['x', 'y', 'z', 'join']) expect(counts.get(`${tag}:${k}`), k).toBe(1);
    // Discoveries after the three planned steps: exactly one reached the SDK with all three memos
    // and nothing else (the join ran in it).
    const calls = h.app.requests.filter(
      (r) =>
        (r.body as { ctx?: { run_id?: string } })?.ctx?.run_id === runId && r.stepId === 'step',
    );
    const withThree = calls.filter(
      (r) => Object.keys((r.body as { steps: object }).steps).length === 3,
    );
    expect(withThree).toHaveLength(1);
  });

  it('Promise.race: the fast step wins', async () => {
    const [runId] = await h.trigger('par/race');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 20_000 });
    expect(run.output).toBe('fast');
  });

  it('onFailure runs once with the error', async () => {
    failures.length = 0;
    const [runId] = await h.trigger('fail/now', { why: 'test' });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.status).toBe('failed');
    await until(() => failures.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(failures).toEqual([{ message: 'it broke', original: { why: 'test' } }]);
  });

  it('cancelOn: a matching event cancels the run; no step starts after it', async () => {
    const [runId] = await h.trigger('job/start', { job: 'j1' });
    await until(() => counts.get('cancellable:first') === 1);
    await new Promise((r) => setTimeout(r, 200));
    await h.engine.send({ name: 'job/stop', data: { job: 'j1' } });
    const run = await h.engine.waitForRun(runId as string);
    expect(run.status).toBe('cancelled');
    expect(counts.get('cancellable:second')).toBeUndefined();
  });

  it('cancel(): the run ends as cancelled and a second cancel is a no-op', async () => {
    counts.delete('cancellable:first');
    const [runId] = await h.trigger('job/start', { job: 'j2' });
    await until(() => counts.get('cancellable:first') === 1);
    expect(await h.engine.cancel(runId as string)).toBe(true);
    expect(await h.engine.cancel(runId as string)).toBe(false);
    expect((await h.engine.getRun(runId as string))?.status).toBe('cancelled');
  });
});
