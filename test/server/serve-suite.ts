import { describe, expect, it, vi } from 'vitest';
import { BIG_CHUNKS, BIG_CHUNK_CHARS, bigChunk, digest, type Entry } from './fixtures/serve-app.js';
import { runDurq } from '../../testkit/durq-serve-process.js';
import { durqMain } from '../helpers/durq-cli.js';
import { useServe, type Serve, type ServeMode } from './serve-harness.js';

const SLEEP_MS = 1_000; // the sleep function's step.sleep('nap', '1s')
const JOB_POLL = { timeout: 10_000, interval: 50 };

const steps = (entries: Entry[]): string[] => entries.map((e) => e.step);

/** The run's queued jobs (`GET /v1/runs/:id/jobs`). */
async function jobsOf(h: Serve, runId: string): Promise<Array<{ at: number | string }>> {
  const reply = await h.rest('GET', `/v1/runs/${runId}/jobs`);
  expect(reply.status).toBe(200);
  return (reply.body as { data: Array<{ at: number | string }> }).data;
}

/** Resolves once the run has a job due at least `aheadMs` from now (a sleep's or a wait's). */
async function untilJobAhead(h: Serve, runId: string, aheadMs: number): Promise<void> {
  await vi.waitFor(async () => {
    const jobs = await jobsOf(h, runId);
    const due = jobs.map((j) => new Date(j.at).getTime());
    if (!due.some((at) => at > Date.now() + aheadMs))
      throw new Error(`run ${runId}: no job ${aheadMs} ms ahead: ${JSON.stringify(jobs)}`);
  }, JOB_POLL);
}

/**
 * Issue 13's end-to-end suite against the built `durq serve` and a real SDK app, in one mode (see
 * ServeMode). The cases are independent and run concurrently on the one server and app.
 */
export function serveSuite(mode: ServeMode): void {
  const h = useServe(mode);

  describe.concurrent(`durq serve with a real SDK app (${mode.name})`, () => {
    it(`syncs the app by ${mode.sync}`, () => {
      if (mode.sync === 'durq-sync') {
        expect(h.synced?.code, JSON.stringify(h.synced)).toBe(0);
        expect(h.synced?.stdout).toContain('serve-e2e');
        expect(h.probes, 'after durq sync the first event starts a run').toBe(1);
      } else expect(h.probes).toBeGreaterThanOrEqual(1);
    });

    it('runs a step chain, each step once, each fed the previous result', async () => {
      const run = await h.outcome(await h.send('serve/chain', { n: 5 }));
      expect(run).toMatchObject({
        status: 'Completed',
        output: { a: 6, b: 12, c: '5 -> 6 -> 12' },
      });
      expect(run.ended_at).not.toBeNull();
      expect(steps(h.entries(run.run_id))).toEqual(['add-one', 'double', 'describe']);
    });

    it('sleeps', async () => {
      const run = await h.outcome(await h.send('serve/sleep'));
      expect(run.status).toBe('Completed');
      const { before, after } = run.output as { before: number; after: number };
      expect(after - before).toBeGreaterThanOrEqual(SLEEP_MS);
      expect(steps(h.entries(run.run_id))).toEqual(['before', 'after']);
    });

    it('resumes a waitForEvent with the matching event of a second inngest.send', async () => {
      const order = `order-${mode.name}`;
      const { run_id } = await h.runOf(await h.send('serve/order', { order }));
      await untilJobAhead(h, run_id, 10_000); // the wait's 30 s timeout: the wait is stored
      await h.send('serve/paid', { order: 'someone-else', amount: 1 });
      await h.send('serve/paid', { order, amount: 42 });
      const run = await h.settled(run_id);
      expect(run).toMatchObject({ status: 'Completed', output: { paid: { order, amount: 42 } } });
    });

    it('invokes another function and gets its result', async () => {
      const run = await h.outcome(await h.send('serve/invoke', { n: 21 }));
      expect(run).toMatchObject({ status: 'Completed', output: { got: { doubled: 42 } } });
    });

    it('runs parallel steps, each once', async () => {
      const run = await h.outcome(await h.send('serve/parallel'));
      expect(run).toMatchObject({ status: 'Completed', output: 'XYZ' });
      expect(steps(h.entries(run.run_id)).sort()).toEqual(['part-x', 'part-y', 'part-z']);
    });

    it('retries a failed step: it runs exactly twice and the run completes', async () => {
      const run = await h.outcome(await h.send('serve/flaky'));
      expect(run).toMatchObject({ status: 'Completed', output: 'recovered on attempt 1' });
      expect(h.entries(run.run_id).map((e) => [e.step, e.attempt])).toEqual([
        ['flaky', 0],
        ['flaky', 1],
      ]);
    });

    it('fails a run and runs its onFailure handler once', async () => {
      const run = await h.outcome(await h.send('serve/doomed'));
      expect(run.status).toBe('Failed');
      expect(JSON.stringify(run.output)).toContain('doomed on purpose');
      const report = await vi.waitFor(() => {
        const [first] = h.entries(run.run_id);
        if (!first?.handlerRunId) throw new Error(`no onFailure yet for ${run.run_id}`);
        return first;
      }, JOB_POLL);
      const handler = await h.settled(report.handlerRunId as string);
      expect(handler).toMatchObject({
        status: 'Completed',
        output: { reported: 'doomed on purpose' },
      });
      expect(steps(h.entries(run.run_id))).toEqual(['on-failure']);
    });

    it('cancels a sleeping run through DELETE /v1/runs/:id; its later steps never run', async () => {
      const { run_id } = await h.runOf(await h.send('serve/cancel'));
      await untilJobAhead(h, run_id, 30 * 60_000); // sleeping its hour
      const deleted = await h.rest('DELETE', `/v1/runs/${run_id}`);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
      const run = await h.settled(run_id);
      expect(run.status).toBe('Cancelled');
      expect(run.cancel_reason).toBe('api');
      await vi.waitFor(async () => expect(await jobsOf(h, run_id)).toEqual([]), JOB_POLL);
      expect(steps(h.entries(run_id))).toEqual(['before']);
    });

    it('completes a run whose state exceeds 4 MiB (use_api: the SDK fetches it)', async () => {
      const run = await h.outcome(await h.send('serve/big'), 40_000);
      const chunks = Array.from({ length: BIG_CHUNKS }, (_, i) => bigChunk(i));
      expect(run).toMatchObject({
        status: 'Completed',
        output: { lengths: chunks.map(() => BIG_CHUNK_CHARS), digest: digest(chunks) },
      });
      const entries = h.entries(run.run_id);
      expect(steps(entries.filter((e) => e.step.startsWith('chunk-')))).toEqual(
        chunks.map((_, i) => `chunk-${i}`),
      );
      const fetched = entries.filter((e) => e.step.startsWith('fetch:'));
      expect(fetched.map((e) => e.step)).toEqual(expect.arrayContaining(['fetch:actions']));
      expect(fetched.map((e) => e.step)).toEqual(expect.arrayContaining(['fetch:batch']));
      expect(
        fetched.every((e) => e.status === 200),
        JSON.stringify(fetched),
      ).toBe(true);
    }, 60_000);

    if (mode.keys) authCases(h, mode.keys.eventKey);
  });
}

function authCases(h: Serve, eventKey: string): void {
  it('refuses durq sync without the signing key (exit 1, 401)', async () => {
    const refused = await runDurq(durqMain(), ['sync', h.app.url, '--url', h.server.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('401');
  });

  it('refuses REST reads without the signing key (401)', async () => {
    const { run_id } = await h.outcome(await h.send('serve/chain', { n: 1 }));
    expect((await h.rest('GET', `/v1/runs/${run_id}`, false)).status).toBe(401);
    expect((await h.rest('GET', `/v1/runs/${run_id}`)).status).toBe(200);
  });

  it('refuses events sent with an unknown event key (401)', async () => {
    const post = (key: string) =>
      fetch(`${h.server.url}/e/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ name: 'serve/probe', data: {} }]),
      });
    expect((await post(`not-${eventKey}`)).status).toBe(401);
    expect((await post(eventKey)).status).toBe(200);
  });
}
