import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../testkit/sdk-app.js';
import { stepIdHash } from '../../../testkit/sdk-protocol.js';
import { cleanupAll } from '../../helpers/cleanup.js';
import { readRunState } from '../../helpers/run-state.js';
import { waitUntil } from '../../helpers/wait.js';
import { useE2E } from '../e2e/harness.js';

interface Body {
  runId: string;
  part: string;
  phase: 'run' | 'fail';
  attempt: number;
}

/**
 * The app keeps failing for a while: a step that throws (the SDK answers a StepError op) or
 * function code that throws outside any step (the SDK answers HTTP 500), until a flag file
 * exists. The run retries with the backoff, each failure consuming one attempt, and completes
 * once the flag is there; with the flag never there it fails after exactly `retries + 1`
 * attempts. Backoff is scaled by 0.01 (150 ms, 300 ms, 600 ms, …) so that the flag, written as
 * soon as a failure is seen, is on disk long before the next attempt starts.
 */
describe('faults: the app fails until a flag file exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durq-faults-flag-'));
  const bodies: Body[] = [];
  const note = (runId: string, part: string, phase: Body['phase'], attempt: number) =>
    bodies.push({ runId, part, phase, attempt });
  const h = useE2E(
    'dev',
    'flaky',
    (inngest) => [
      inngest.createFunction(
        { id: 'gated-step', retries: 5, triggers: [{ event: 'flaky/step' }] },
        async ({ event, step, runId, attempt }) => {
          const flag = String(event.data.flag);
          const before = await step.run(
            'before',
            () => (note(runId, 'before', 'run', attempt), 'b'),
          );
          const gate = await step.run('gate', () => {
            const open = existsSync(flag);
            note(runId, 'gate', open ? 'run' : 'fail', attempt);
            if (!open) throw new Error(`closed (attempt ${attempt})`);
            return `open@${attempt}`;
          });
          const after = await step.run('after', () => (note(runId, 'after', 'run', attempt), 'a'));
          return { before, gate, after };
        },
      ),
      inngest.createFunction(
        { id: 'gated-code', retries: 5, triggers: [{ event: 'flaky/code' }] },
        async ({ event, step, runId, attempt }) => {
          const flag = String(event.data.flag);
          const before = await step.run('before', () => (note(runId, 'before', 'run', attempt), 1));
          const open = existsSync(flag);
          note(runId, 'code', open ? 'run' : 'fail', attempt);
          if (!open) throw new Error(`not ready (attempt ${attempt})`);
          const after = await step.run('after', () => (note(runId, 'after', 'run', attempt), 2));
          return { before, after, attempt };
        },
      ),
      inngest.createFunction(
        { id: 'hopeless-step', retries: 2, triggers: [{ event: 'flaky/hopeless-step' }] },
        async ({ step, runId, attempt }) => {
          return await step.run('gate', () => {
            note(runId, 'gate', 'fail', attempt);
            throw new Error(`closed (attempt ${attempt})`);
          });
        },
      ),
      inngest.createFunction(
        { id: 'hopeless-code', retries: 1, triggers: [{ event: 'flaky/hopeless-code' }] },
        async ({ runId, attempt }) => {
          note(runId, 'code', 'fail', attempt);
          throw new Error(`not ready (attempt ${attempt})`);
        },
      ),
    ],
    { backoffScale: 0.01 },
  );
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(h.redis.url);
  });
  afterAll(() =>
    cleanupAll(
      () => raw?.disconnect(),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  const of = (runId: string, part: string) =>
    bodies.filter((b) => b.runId === runId && b.part === part).map((b) => [b.phase, b.attempt]);
  const requestsOf = (runId: string): RecordedRequest[] =>
    h.app.requests.filter((r) => (r.body as { ctx?: { run_id?: string } })?.ctx?.run_id === runId);
  const attemptsSent = (runId: string) =>
    requestsOf(runId).map((r) => (r.body as { ctx: { attempt: number } }).ctx.attempt);

  it('a step that throws until the flag exists: retried, one attempt per failure, then completes', async () => {
    const flag = join(dir, 'step.flag');
    const [runId] = await h.trigger('flaky/step', { flag });
    await waitUntil(() => of(runId as string, 'gate').length === 3, 20_000, 'three failures');
    writeFileSync(flag, 'open');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 30_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ before: 'b', gate: 'open@3', after: 'a' });
    expect(of(runId as string, 'gate')).toEqual([
      ['fail', 0],
      ['fail', 1],
      ['fail', 2],
      ['run', 3],
    ]);
    expect(of(runId as string, 'before')).toHaveLength(1);
    expect(of(runId as string, 'after')).toHaveLength(1);
    // The engine sent attempts 0 (start: 'before'), 0, 1, 2, 3 (the item running 'gate'), then 0
    // for 'after' (a new item) and 0 for the final call.
    expect(attemptsSent(runId as string)).toEqual([0, 0, 1, 2, 3, 0, 0]);
    const ops = requestsOf(runId as string).map(
      (r) => `${r.status} ${((r.responseBody as { op?: string }[])[0] ?? {}).op ?? 'result'}`,
    );
    expect(ops.slice(1, 5)).toEqual([
      '206 StepError',
      '206 StepError',
      '206 StepError',
      '206 StepRun',
    ]);
    const state = await readRunState(raw, runId as string);
    const ids = ['before', 'gate', 'after'].map((s) => stepIdHash(s));
    expect(state.stack).toEqual(ids);
    expect(state.meta['step_count']).toBe('3');
    expect(ids.map((id) => state.steps[id]?.attempts)).toEqual([1, 4, 1]);
  });

  it('function code that throws (HTTP 500) until the flag exists: retried, then completes', async () => {
    const flag = join(dir, 'code.flag');
    const [runId] = await h.trigger('flaky/code', { flag });
    await waitUntil(
      () => of(runId as string, 'code').filter(([p]) => p === 'fail').length === 3,
      20_000,
      'three failures',
    );
    writeFileSync(flag, 'open');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 30_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ before: 1, after: 2, attempt: 0 });
    expect(of(runId as string, 'before')).toEqual([['run', 0]]);
    expect(of(runId as string, 'after')).toEqual([['run', 3]]);
    const statuses = requestsOf(runId as string).map((r) => r.status);
    expect(statuses).toEqual([206, 500, 500, 500, 206, 200]);
    expect(attemptsSent(runId as string)).toEqual([0, 0, 1, 2, 3, 0]);
    const state = await readRunState(raw, runId as string);
    expect(state.stack).toEqual(['before', 'after'].map((s) => stepIdHash(s)));
    expect(state.steps[stepIdHash('after')]?.attempts).toBe(4);
  });

  it('a step that always throws, retries: 2: three attempts, then the run fails with its error', async () => {
    const [runId] = await h.trigger('flaky/hopeless-step');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 30_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ name: 'Error', message: 'closed (attempt 2)' });
    expect(of(runId as string, 'gate')).toEqual([
      ['fail', 0],
      ['fail', 1],
      ['fail', 2],
    ]);
    // Two StepErrors, then the SDK (told it is the last attempt) reports StepFailed; the failure
    // is memoized once and thrown into the function, whose error is final (400).
    const replies = requestsOf(runId as string).map((r) => [
      r.status,
      (r.body as { ctx: { attempt: number } }).ctx.attempt,
      ((r.responseBody as { op?: string }[])[0] ?? {}).op ?? null,
    ]);
    expect(replies).toEqual([
      [206, 0, 'StepError'],
      [206, 1, 'StepError'],
      [206, 2, 'StepFailed'],
      [400, 0, null],
    ]);
    const state = await readRunState(raw, runId as string);
    expect(state.stack).toEqual([stepIdHash('gate')]);
    expect(state.steps[stepIdHash('gate')]).toMatchObject({ attempts: 3, failed: true });
    expect(state.memoExists).toBe(false);
  });

  it('function code that always throws, retries: 1: two attempts, then the run fails', async () => {
    const [runId] = await h.trigger('flaky/hopeless-code');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 30_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ name: 'Error', message: 'not ready (attempt 1)' });
    expect(of(runId as string, 'code')).toEqual([
      ['fail', 0],
      ['fail', 1],
    ]);
    // 500 while attempts are left; on the last one the SDK makes its error final (400).
    expect(requestsOf(runId as string).map((r) => r.status)).toEqual([500, 400]);
    expect(attemptsSent(runId as string)).toEqual([0, 1]);
    const state = await readRunState(raw, runId as string);
    expect(state.stack).toEqual([]);
    expect(state.meta['step_count']).toBe('0');
  });
});
