import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  freePort,
  startDurqServe,
  type DurqServeProcess,
} from '../../testkit/durq-serve-process.js';
import { startSdkAppProcess, type SdkAppProcess } from '../../testkit/sdk-app-process.js';
import { durqMain } from '../helpers/durq-cli.js';
import { RECORDS_ENV, readSlowEntries, type SlowEntry } from './fixtures/slow-app.js';

/**
 * Issue 13, shutdown: on SIGTERM `durq serve` answers new requests 503 with Retry-After, lets the
 * SDK call in flight finish (within --shutdown-timeout) and saves its result, or requeues it
 * when the timeout passes first; either way the run completes after the next start.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'slow-app.ts');

interface Setup {
  server: DurqServeProcess;
  app: SdkAppProcess;
  records: string;
}

let live: Setup | null = null;
afterEach(async () => {
  await live?.app.stop();
  await live?.server.kill();
  live = null;
});

async function setup(shutdownTimeout: string): Promise<Setup> {
  const records = join(mkdtempSync(join(tmpdir(), 'durq-shutdown-')), 'records.jsonl');
  const port = await freePort();
  const app = await startSdkAppProcess({
    module: FIXTURE,
    configFromEnv: true,
    env: { [RECORDS_ENV]: records, INNGEST_DEV: '1', INNGEST_BASE_URL: `http://127.0.0.1:${port}` },
  });
  const server = await startDurqServe({
    main: durqMain(),
    port,
    args: ['--sdk-url', app.url, '--shutdown-timeout', shutdownTimeout, '--lease-timeout', '2s'],
  });
  live = { server, app, records };
  return live;
}

async function send(s: Setup, ms: number): Promise<string> {
  const res = await fetch(`${s.server.url}/e/key`, {
    method: 'POST',
    body: JSON.stringify({ name: 'slow/run', data: { ms } }),
  });
  expect(res.status).toBe(200);
  const { ids } = (await res.json()) as { ids: string[] };
  return ids[0] as string;
}

async function runOf(s: Setup, eventId: string): Promise<string> {
  return await vi.waitFor(
    async () => {
      const r = (await (await fetch(`${s.server.url}/v1/events/${eventId}/runs`)).json()) as {
        data: { run_id: string }[];
      };
      if (r.data.length !== 1) throw new Error(`event ${eventId}: ${r.data.length} runs`);
      return r.data[0]?.run_id as string;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const entries = (s: Setup, runId: string, what: SlowEntry['what']) =>
  readSlowEntries(s.records).filter((e) => e.runId === runId && e.what === what).length;

async function completed(s: Setup, runId: string): Promise<unknown> {
  return await vi.waitFor(
    async () => {
      const r = (await (await fetch(`${s.server.url}/v1/runs/${runId}`)).json()) as {
        data?: { status: string; output?: unknown };
      };
      if (r.data?.status !== 'Completed') throw new Error(`run ${runId}: ${JSON.stringify(r)}`);
      return r.data.output;
    },
    { timeout: 20_000, interval: 50 },
  );
}

/** Posts an event until the server answers 503 (it has begun to shut down); that answer. */
async function until503(s: Setup): Promise<Response> {
  return await vi.waitFor(
    async () => {
      const res = await fetch(`${s.server.url}/e/key`, {
        method: 'POST',
        body: JSON.stringify({ name: 'slow/ignored' }),
      });
      if (res.status !== 503) throw new Error(`answered ${res.status}`);
      return res;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe('durq serve shutdown (SIGTERM)', () => {
  it('refuses new requests with 503 + Retry-After, lets the running step finish and keeps its result', async () => {
    const s = await setup('20s');
    const runId = await runOf(s, await send(s, 2_500));
    await vi.waitFor(() => expect(entries(s, runId, 'start')).toBe(1), { timeout: 10_000 });
    const stopping = s.server.stop();
    const refused = await until503(s);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ status: 503 });
    expect(await stopping, s.server.output()).toBe(0);
    // The call in flight ran to its end before durq exited, and its result was saved then:
    expect(entries(s, runId, 'end')).toBe(1);
    await s.server.restart();
    expect(await completed(s, runId)).toEqual({ slow: 'slow-done', after: 'after-done' });
    expect(entries(s, runId, 'start'), 'the finished step ran again after the restart').toBe(1);
    expect(entries(s, runId, 'after')).toBe(1);
  }, 60_000);

  it("a terminal's Ctrl-C (SIGINT to durq's process group) lets the step finish and keeps it", async () => {
    const s = await setup('20s');
    const runId = await runOf(s, await send(s, 2_500));
    await vi.waitFor(() => expect(entries(s, runId, 'start')).toBe(1), { timeout: 10_000 });
    process.kill(-s.server.pid, 'SIGINT'); // the embedded redis-server is in a group of its own
    expect(await s.server.exited(), s.server.output()).toBe(0);
    expect(entries(s, runId, 'end')).toBe(1);
    await s.server.restart();
    expect(await completed(s, runId)).toEqual({ slow: 'slow-done', after: 'after-done' });
    expect(entries(s, runId, 'start'), 'the finished step ran again after the restart').toBe(1);
  }, 60_000);

  it('requeues a step still running at --shutdown-timeout; it runs again after the restart', async () => {
    const s = await setup('300ms');
    const runId = await runOf(s, await send(s, 4_000));
    await vi.waitFor(() => expect(entries(s, runId, 'start')).toBe(1), { timeout: 10_000 });
    const t0 = Date.now();
    expect(await s.server.stop(), s.server.output()).toBe(0);
    expect(Date.now() - t0, 'durq waited for the 4 s step').toBeLessThan(3_500);
    expect(entries(s, runId, 'end'), 'the step was still running when durq exited').toBe(0);
    await s.server.restart();
    expect(await completed(s, runId)).toEqual({ slow: 'slow-done', after: 'after-done' });
    expect(entries(s, runId, 'start')).toBe(2);
    expect(entries(s, runId, 'after')).toBe(1);
  }, 60_000);
});
