import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inngest } from 'inngest';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import {
  freePort,
  runDurq,
  startDurqServe,
  type CliResult,
  type DurqServeProcess,
} from '../../testkit/durq-serve-process.js';
import { startSdkAppProcess, type SdkAppProcess } from '../../testkit/sdk-app-process.js';
import { durqMain } from '../helpers/durq-cli.js';
import { RECORDS_ENV, readEntries, type Entry } from './fixtures/serve-app.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'serve-app.ts');
const POLL_MS = 50;
const SETTLE_TIMEOUT_MS = 20_000;
const SYNC_TIMEOUT_MS = 30_000;
/** How long one probe event is given to start a run before the next is sent. */
const PROBE_WAIT_MS = 1_000;

/** The statuses after which a run changes no more (reference §15). */
export const SETTLED = ['Completed', 'Failed', 'Cancelled'];

export interface ServeMode {
  name: string;
  /** Production mode: `--signing-key` and `--event-key` for the server; the app in cloud mode. */
  keys?: { signingKey: string; eventKey: string };
  /** How the app gets synced: `--sdk-url` at start, or `durq sync <app-url>` once it runs. */
  sync: 'sdk-url' | 'durq-sync';
  /** More `durq serve` arguments, read at its start (`--cluster` of a cluster the file started). */
  serverArgs?: () => string[];
}

/** FunctionRun JSON (reference §15), the fields the tests read. */
export interface FunctionRun {
  run_id: string;
  event_id: string;
  status: string;
  output?: unknown;
  run_started_at: string;
  ended_at: string | null;
  /** durq's own: why a cancelled run was cancelled. */
  cancel_reason?: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

export interface Serve {
  server: DurqServeProcess;
  app: SdkAppProcess;
  /** The test's own SDK client (dev mode, or cloud mode with the event key). */
  client: Inngest;
  /** `durq sync`'s result in that mode. */
  synced?: CliResult;
  /** Probe events sent before one started a run. */
  probes: number;
  /** A REST call to the server, with `Authorization: Bearer <signing key>` in production mode. */
  rest(method: 'GET' | 'DELETE', path: string, auth?: boolean): Promise<Reply>;
  /** Sends one event with the SDK (`inngest.send`) and returns its ID. */
  send(name: string, data?: Record<string, unknown>): Promise<string>;
  /** Polls `GET /v1/events/:id/runs` until the event has started a run; that run. */
  runOf(eventId: string): Promise<FunctionRun>;
  /** Polls `GET /v1/runs/:id` until the run is Completed, Failed or Cancelled. */
  settled(runId: string, timeoutMs?: number): Promise<FunctionRun>;
  /** `runOf` then `settled`. */
  outcome(eventId: string, timeoutMs?: number): Promise<FunctionRun>;
  /** What the app's steps recorded for this run, in order. */
  entries(runId: string): Entry[];
}

/**
 * For a test file: one SDK app (a child process, configured from its environment as a deployed app
 * is) and one built `durq serve` (a child process) that syncs it, per `mode`.
 */
export function useServe(mode: ServeMode): Serve {
  const h = { probes: 0 } as Serve;
  const dir = mkdtempSync(join(tmpdir(), 'durq-serve-e2e-'));
  const records = join(dir, 'records.jsonl');
  beforeAll(async () => {
    const main = durqMain();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    h.app = await startSdkAppProcess({
      module: FIXTURE,
      configFromEnv: true,
      env: { [RECORDS_ENV]: records, INNGEST_BASE_URL: url, ...sdkModeEnv(mode) },
    });
    h.server = await startDurqServe({ main, port, args: serveArgs(mode, h.app.url) });
    h.client = new Inngest({
      id: 'serve-e2e-test',
      isDev: mode.keys === undefined,
      baseUrl: url,
      ...(mode.keys ? { eventKey: mode.keys.eventKey } : {}),
    });
    bindCalls(h, mode, records);
    if (mode.sync === 'durq-sync') h.synced = await runDurq(main, syncArgs(mode, h));
    h.probes = await probeUntilSynced(h);
  }, 90_000);
  afterAll(async () => {
    await h.app?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (!h.server) return;
    const code = await h.server.stop();
    expect(code, `durq serve's exit code after SIGTERM:\n${h.server.output()}`).toBe(0);
  }, 60_000);
  return h;
}

function sdkModeEnv(mode: ServeMode): Record<string, string> {
  if (!mode.keys) return { INNGEST_DEV: '1' };
  return { INNGEST_SIGNING_KEY: mode.keys.signingKey, INNGEST_EVENT_KEY: mode.keys.eventKey };
}

function serveArgs(mode: ServeMode, appUrl: string): string[] {
  return [
    '--backoff-scale',
    '0.01',
    ...(mode.sync === 'sdk-url' ? ['--sdk-url', appUrl] : []),
    ...(mode.keys
      ? ['--signing-key', mode.keys.signingKey, '--event-key', mode.keys.eventKey]
      : []),
    ...(mode.serverArgs?.() ?? []),
  ];
}

function syncArgs(mode: ServeMode, h: Serve): string[] {
  const auth = mode.keys ? ['--signing-key', mode.keys.signingKey] : [];
  return ['sync', h.app.url, '--url', h.server.url, ...auth];
}

function bindCalls(h: Serve, mode: ServeMode, records: string): void {
  h.rest = async (method, path, auth = true) => {
    const headers: Record<string, string> =
      auth && mode.keys ? { authorization: `Bearer ${mode.keys.signingKey}` } : {};
    const res = await fetch(h.server.url + path, { method, headers });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : parseOrText(text) };
  };
  h.send = async (name, data = {}) => {
    const { ids } = await h.client.send({ name, data });
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };
  h.runOf = (eventId) => pollRunOf(h, eventId, SETTLE_TIMEOUT_MS);
  h.settled = (runId, timeoutMs = SETTLE_TIMEOUT_MS) =>
    vi.waitFor(
      async () => {
        const reply = await h.rest('GET', `/v1/runs/${runId}`);
        const run = (reply.body as { data?: FunctionRun } | undefined)?.data;
        if (reply.status !== 200 || !run || !SETTLED.includes(run.status))
          throw new Error(
            `run ${runId} not settled: ${reply.status} ${JSON.stringify(reply.body)}`,
          );
        return run;
      },
      { timeout: timeoutMs, interval: POLL_MS },
    );
  h.outcome = async (eventId, timeoutMs) => h.settled((await h.runOf(eventId)).run_id, timeoutMs);
  h.entries = (runId) => readEntries(records).filter((e) => e.runId === runId);
}

function pollRunOf(h: Serve, eventId: string, timeoutMs: number): Promise<FunctionRun> {
  return vi.waitFor(
    async () => {
      const reply = await h.rest('GET', `/v1/events/${eventId}/runs`);
      const runs = (reply.body as { data?: FunctionRun[] } | undefined)?.data ?? [];
      if (reply.status !== 200 || runs.length === 0)
        throw new Error(
          `event ${eventId} has no run: ${reply.status} ${JSON.stringify(reply.body)}`,
        );
      expect(runs, `event ${eventId} started more than one run`).toHaveLength(1);
      return runs[0] as FunctionRun;
    },
    { timeout: timeoutMs, interval: POLL_MS },
  );
}

/**
 * Sends `serve/probe` events until one starts a run (the app is synced then) and waits for that
 * run to complete; returns how many probes it took.
 */
async function probeUntilSynced(h: Serve): Promise<number> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  for (let probes = 1; ; probes++) {
    const eventId = await h.send('serve/probe');
    const run = await pollRunOf(h, eventId, PROBE_WAIT_MS).catch(() => undefined);
    if (run) {
      const done = await h.settled(run.run_id);
      expect(done, 'the probe run').toMatchObject({ status: 'Completed', output: 'pong' });
      return probes;
    }
    if (Date.now() > deadline)
      throw new Error(
        `no probe event started a run within ${SYNC_TIMEOUT_MS} ms: the app was not synced\n` +
          `durq serve output:\n${h.server.output()}\nsdk app output:\n${h.app.output()}`,
      );
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
