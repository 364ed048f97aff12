import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/** The part of the SDK's step tools these functions use. */
interface Steps {
  run(id: string, fn: () => unknown): Promise<unknown>;
  sleep(id: string, duration: string): Promise<unknown>;
}

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
};

/**
 * cancelOn end to end with the real SDK (reference §10.1), each form the SDK sends: `event`
 * alone, `if` (with `event` = the trigger and `async` = the cancel event), `match` (which the SDK
 * turns into `event.<f> == async.<f>`), and `timeout` (the listener's lifetime). A cancelled run
 * records `cancel-on` as its reason and starts no step after the event.
 */
describe('cancelOn (dev mode)', () => {
  const calls = new Map<string, number>();
  const bump = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const body =
    (name: string, sleepFor: string) =>
    async ({ event, step }: { event: { data: Record<string, unknown> }; step: Steps }) => {
      const key = `${name}:${String(event.data.id)}`;
      await step.run('first', () => bump(`${key}:first`));
      await step.sleep('long', sleepFor);
      await step.run('second', () => bump(`${key}:second`));
      return 'finished';
    };
  const h = useE2E('dev', 'cancelon', (inngest) => [
    inngest.createFunction(
      { id: 'any', cancelOn: [{ event: 'co/stop-any' }], triggers: [{ event: 'co/any' }] },
      body('any', '30s'),
    ),
    inngest.createFunction(
      {
        id: 'cond',
        cancelOn: [{ event: 'co/stop', if: 'event.data.id == async.data.id && async.data.hard' }],
        triggers: [{ event: 'co/cond' }],
      },
      body('cond', '30s'),
    ),
    inngest.createFunction(
      {
        id: 'matched',
        cancelOn: [{ event: 'co/stop-match', match: 'data.id' }],
        triggers: [{ event: 'co/match' }],
      },
      body('matched', '30s'),
    ),
    inngest.createFunction(
      {
        id: 'brief',
        cancelOn: [{ event: 'co/stop-brief', timeout: '1s' }],
        triggers: [{ event: 'co/brief' }],
      },
      body('brief', '2500ms'),
    ),
  ]);

  async function started(name: string, trigger: string, id: string): Promise<string> {
    const [runId] = await h.trigger(trigger, { id });
    await until(() => calls.get(`${name}:${id}:first`) === 1);
    await sleep(150);
    return runId as string;
  }

  async function expectCancelled(runId: string, key: string) {
    const run = await h.engine.waitForRun(runId, { timeoutMs: 10_000 });
    expect(run.status).toBe('cancelled');
    expect(run.cancelReason).toBe('cancel-on');
    await sleep(200);
    expect(calls.get(`${key}:second`)).toBeUndefined();
  }

  it('event alone: any such event cancels the run', async () => {
    const runId = await started('any', 'co/any', 'a1');
    await h.engine.send({ name: 'co/stop-any', data: {} });
    await expectCancelled(runId, 'any:a1');
  });

  it('if: only an event that satisfies the expression cancels the run', async () => {
    const runId = await started('cond', 'co/cond', 'c1');
    await h.engine.send({ name: 'co/stop', data: { id: 'c2', hard: true } });
    await h.engine.send({ name: 'co/stop', data: { id: 'c1', hard: false } });
    await sleep(400);
    expect((await h.engine.getRun(runId))?.status).toBe('running');
    await h.engine.send({ name: 'co/stop', data: { id: 'c1', hard: true } });
    await expectCancelled(runId, 'cond:c1');
  });

  it('match: an event with another value leaves the run; one with the same value cancels it', async () => {
    const runId = await started('matched', 'co/match', 'm1');
    const other = await started('matched', 'co/match', 'm2');
    await h.engine.send({ name: 'co/stop-match', data: { id: 'm2' } });
    await expectCancelled(other, 'matched:m2');
    expect((await h.engine.getRun(runId))?.status).toBe('running');
    await h.engine.send({ name: 'co/stop-match', data: { id: 'm1' } });
    await expectCancelled(runId, 'matched:m1');
  });

  it('timeout: after it the event no longer cancels the run', async () => {
    const runId = await started('brief', 'co/brief', 'b1');
    await sleep(1200);
    await h.engine.send({ name: 'co/stop-brief', data: {} });
    const run = await h.engine.waitForRun(runId, { timeoutMs: 10_000 });
    expect(run.status).toBe('completed');
    expect(calls.get('brief:b1:second')).toBe(1);
  });

  it('timeout: within it the event cancels the run', async () => {
    const runId = await started('brief', 'co/brief', 'b2');
    await h.engine.send({ name: 'co/stop-brief', data: {} });
    await expectCancelled(runId, 'brief:b2');
  });
});
