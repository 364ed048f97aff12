import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createEngine } from '../../../src/executor/engine.js';
import { startRedisServer } from '../../../testkit/redis-server.js';
import { startSdkApp } from '../../../testkit/sdk-app.js';
import { SIGNING_KEY, useE2E, type Mode } from './harness.js';

/**
 * Limits end to end with the real SDK: a step output over 4 MiB and a run of more than 1,000
 * steps fail the run with the errors Inngest names; a wrong signing key makes every attempt fail
 * (401) and leaves the run's state as it was; an event at the instant of a wait's timeout
 * resumes the run once.
 */
describe.each<Mode>(['dev', 'signed'])('limits (%s mode)', (mode) => {
  let big = 0;
  const h = useE2E(mode, `limits-${mode}`, (inngest) => [
    inngest.createFunction(
      { id: 'huge', retries: 0, triggers: [{ event: 'lim/huge' }] },
      async ({ step }) => {
        await step.run('huge', () => (big++, 'x'.repeat(5 * 1024 * 1024)));
        return 'unreachable';
      },
    ),
    inngest.createFunction(
      { id: 'many', retries: 0, triggers: [{ event: 'lim/many' }] },
      async ({ step }) => {
        for (let i = 0; i < 1001; i++) await step.run(`s${i}`, () => i);
        return 'unreachable';
      },
    ),
    inngest.createFunction({ id: 'edge', triggers: [{ event: 'lim/edge' }] }, async ({ step }) => {
      const got = await step.waitForEvent('w', { event: 'lim/edge-go', timeout: '1s' });
      return { got: got === null ? null : 'event' };
    }),
  ]);

  it('a 5 MiB step output fails the run with InngestErrStepOutputTooLarge', async () => {
    const [runId] = await h.trigger('lim/huge');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 30_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ name: 'InngestErrStepOutputTooLarge' });
    expect(run.steps).toEqual([]);
    expect(big).toBe(1);
  });

  it('a run of 1,001 steps fails with InngestErrFunctionOverflowed after 1,000', async () => {
    const [runId] = await h.trigger('lim/many');
    // The real SDK replays every memoized step on each request, so the run is quadratic in its
    // steps: about two minutes on a 2-core machine, nearly all of it in the SDK (over four when
    // the machine is shared with other heavy jobs, hence the margin).
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 480_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({
      name: 'InngestErrFunctionOverflowed',
      message: 'The function run exceeded the step limit of 1000 steps.',
    });
    expect(run.steps).toHaveLength(1000);
  }, 500_000);

  it('an event at the instant of the timeout resumes the wait once', async () => {
    for (let i = 0; i < 5; i++) {
      const [runId] = await h.trigger('lim/edge');
      const started = Date.now();
      while ((await h.engine.getRun(runId as string))?.status !== 'running') {
        await new Promise((r) => setTimeout(r, 5));
        if (Date.now() - started > 5000) throw new Error('run did not start');
      }
      // The pause is written a moment after the run starts; aim the event at its expiry.
      await new Promise((r) => setTimeout(r, 980 + i * 10));
      await h.engine.send({ name: 'lim/edge-go', data: {} });
      const run = await h.engine.waitForRun(runId as string, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(run.steps.filter((s) => s.op === 'WaitForEvent')).toHaveLength(1);
      const discoveries = h.app.requests.filter(
        (r) => (r.body as { ctx?: { run_id?: string } })?.ctx?.run_id === runId,
      );
      // the start, and exactly one resumed discovery
      expect(discoveries).toHaveLength(2);
    }
  }, 60_000);
});

describe('a wrong signing key', () => {
  it("makes every attempt fail (401) and commits nothing but the run's failure", async () => {
    const redis = await startRedisServer();
    const common = {
      redis: redis.url,
      backoffScale: 0.001,
      openTelemetry: false,
      processor: { idleMaxMs: 50, lookaheadMs: 0 },
    };
    // One engine holds the app's key and registers it without running steps; the one that runs
    // them signs with another key.
    const registrar = await createEngine({ ...common, signingKey: SIGNING_KEY, process: false });
    const worker = await createEngine({ ...common, signingKey: 'signkey-test-' + 'f'.repeat(64) });
    let bodies = 0;
    const app = await startSdkApp({
      appId: 'wrongkey',
      signingKey: SIGNING_KEY,
      functions: (inngest) => [
        inngest.createFunction(
          { id: 'f', retries: 2, triggers: [{ event: 'k/go' }] },
          async ({ step }) => {
            await step.run('a', () => bodies++);
            return 'ok';
          },
        ),
      ],
    });
    const raw = new Redis(redis.url);
    try {
      await registrar.registerApp(app.url);
      const { ids } = await registrar.send({ name: 'k/go', data: {} });
      const [runId] = Object.keys(await registrar.runsOf(ids[0] as string));
      const run = await registrar.waitForRun(runId as string, { timeoutMs: 20_000 });
      expect(run.status).toBe('failed');
      expect(run.error).toMatchObject({ message: expect.stringMatching(/401|nauthori/) });
      expect(bodies).toBe(0);
      expect(run.steps).toEqual([]);
      const posts = app.requests.filter((r) => r.method === 'POST');
      expect(posts.map((r) => r.status)).toEqual([401, 401, 401]);
      expect(await raw.llen(`{durq}:run:${runId}:stack`)).toBe(0);
    } finally {
      raw.disconnect();
      await app.stop();
      await worker.close();
      await registrar.close();
      await redis.stop();
    }
  });
});
