/**
 * Issue 13, acceptance "Restart": the built `durq serve` on its embedded Redis (a temporary
 * `--data-dir`) runs 50 runs of a real SDK app (a child process, synced by `--sdk-url`) that
 * sleep, wait for events and hold a slow step; it is stopped in the middle (SIGTERM, or SIGKILL of
 * the CLI alone, which orphans its redis-server) and started again on the same port and data dir.
 * Then every run completes with the right output, no step body ran again once its result was
 * saved (the app's step log and the memos read through `GET /v0/runs/:id/actions`), and no event
 * started a second run (`GET /v1/events/:id/runs`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inngest } from 'inngest';
import { describe, expect, it, vi } from 'vitest';
import {
  freePort,
  startDurqServe,
  type DurqServeProcess,
} from '../../testkit/durq-serve-process.js';
import { startSdkAppProcess, type SdkAppProcess } from '../../testkit/sdk-app-process.js';
import { durqMain } from '../helpers/durq-cli.js';
import {
  COUNTER_FILE_ENV,
  JOURNEY_EVENT,
  KINDS,
  PROBE_EVENT,
  SIGNAL_EVENT,
  readCounter,
  type CounterLine,
  type Kind,
} from './fixtures/restart-app.js';
import { ServeClient, dueAfter, stepKey, type RunJson } from './serve-client.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'restart-app.ts');
const RUNS = 50;
/** A job due this far ahead is a wait's timeout (WAIT_TIMEOUT_MS), not a sleep's wake-up. */
const WAIT_JOB_AHEAD_MS = 60_000;
const ROUND_MS = 200;
const POSITION_TIMEOUT_MS = 20_000;
const FINISH_TIMEOUT_MS = 40_000;
const CASE_TIMEOUT_MS = 90_000;

interface Journey {
  n: number;
  kind: Kind;
  eventId: string;
  runId: string;
  /** The memo when the stop came, and when the run was found waiting for its signal. */
  memoAtStop?: Record<string, unknown>;
  memoAtWait?: Record<string, unknown>;
  final?: RunJson;
}

interface Rig {
  dir: string;
  stepsFile: string;
  dataDir: string;
  port: number;
  args: string[];
  app: SdkAppProcess;
  server: DurqServeProcess;
  api: ServeClient;
  sdk: Inngest;
}

/** The memo a run holds when it waits for its signal: every step before the wait, once. */
function memoBeforeWait(j: Journey): Record<string, unknown> {
  const first = { [stepKey('first')]: { data: j.n * 10 } };
  if (j.kind === 'waiter') return first;
  if (j.kind === 'sleeper') return { ...first, [stepKey('nap')]: null };
  return { ...first, [stepKey('slow')]: { data: 'slow' }, [stepKey('nap')]: null };
}

function expectedOutput(j: Journey): unknown {
  return {
    n: j.n,
    kind: j.kind,
    first: j.n * 10,
    ...(j.kind === 'worker' ? { slow: 'slow' } : {}),
    got: j.n,
    last: `${j.kind}-${j.n}`,
  };
}

async function startRig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'durq-restart-'));
  const stepsFile = join(dir, 'steps.log');
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await startSdkAppProcess({
    module: FIXTURE,
    configFromEnv: true,
    env: { INNGEST_DEV: '1', INNGEST_BASE_URL: url, [COUNTER_FILE_ENV]: stepsFile },
  });
  const args = ['--backoff-scale', '0.01', '--lease-timeout', '2s', '--sdk-url', app.url];
  const server = await startDurqServe({ main: durqMain(), port, dataDir, args });
  const api = new ServeClient(url);
  const sdk = new Inngest({ id: 'restart-test', isDev: true, baseUrl: url });
  return { dir, stepsFile, dataDir, port, args, app, server, api, sdk };
}

/** Sends the 50 trigger events with the SDK and finds each one's run. */
async function startJourneys(rig: Rig): Promise<Journey[]> {
  const kinds = Array.from({ length: RUNS }, (_, n) => KINDS[n % KINDS.length] as Kind);
  const { ids } = await rig.sdk.send(
    kinds.map((kind, n) => ({ name: JOURNEY_EVENT, data: { n, kind } })),
  );
  expect(ids).toHaveLength(RUNS);
  const runIds = new Map<string, string>();
  await vi.waitFor(
    async () => {
      for (const eventId of ids)
        if (!runIds.has(eventId)) {
          const [run] = await rig.api.runsOf(eventId);
          if (run) runIds.set(eventId, run.run_id);
        }
      if (runIds.size < RUNS) throw new Error(`${runIds.size} of ${RUNS} events have a run`);
    },
    { timeout: POSITION_TIMEOUT_MS, interval: ROUND_MS },
  );
  return kinds.map((kind, n) => {
    const eventId = ids[n] as string;
    return { n, kind, eventId, runId: runIds.get(eventId) as string };
  });
}

/** Why a run is not yet where the stop should find it (sleeping, waiting or mid-step), or null. */
async function notInPosition(rig: Rig, j: Journey, steps: CounterLine[]): Promise<string | null> {
  const memo = await rig.api.actions(j.runId);
  if (!memo || !(stepKey('first') in memo)) return `no step first in ${JSON.stringify(memo)}`;
  j.memoAtStop = memo;
  if (j.kind === 'worker') {
    const slow = steps.filter((s) => s.runId === j.runId && s.step === 'slow');
    return slow.length === 1 && slow[0]?.phase === 'start' ? null : 'not mid-step in slow';
  }
  const jobs = await rig.api.jobs(j.runId);
  const ahead = j.kind === 'waiter' ? WAIT_JOB_AHEAD_MS : 1_000;
  return jobs.some((job) => dueAfter(job, ahead)) ? null : `no job due ${ahead} ms ahead`;
}

/** Polls until every run sleeps (sleepers), waits (waiters) or holds its slow step (workers). */
async function untilInPosition(rig: Rig, journeys: Journey[]): Promise<void> {
  await vi.waitFor(
    async () => {
      const steps = readCounter(rig.stepsFile);
      const missing: string[] = [];
      for (const j of journeys) {
        const why = await notInPosition(rig, j, steps);
        if (why) missing.push(`${j.kind} ${j.n}: ${why}`);
      }
      if (missing.length > 0) throw new Error(`not in position: ${missing.join('; ')}`);
    },
    { timeout: POSITION_TIMEOUT_MS, interval: ROUND_MS },
  );
}

/**
 * Polls every unfinished run: one found waiting gets its signal (after its memo is read), one
 * found settled is done. Resolves when all have settled.
 */
async function signalUntilDone(rig: Rig, journeys: Journey[]): Promise<void> {
  await vi.waitFor(
    async () => {
      const signals: number[] = [];
      for (const j of journeys) {
        if (j.final) continue;
        if (!j.memoAtWait) {
          const jobs = await rig.api.jobs(j.runId);
          if (jobs.some((job) => dueAfter(job, WAIT_JOB_AHEAD_MS))) {
            j.memoAtWait = (await rig.api.actions(j.runId)) ?? {};
            signals.push(j.n);
          }
        }
        const run = await rig.api.run(j.runId);
        if (run && run.status !== 'Running' && run.status !== 'Scheduled') j.final = run;
      }
      if (signals.length > 0)
        await rig.sdk.send(signals.map((n) => ({ name: SIGNAL_EVENT, data: { n } })));
      const open = journeys.filter((j) => !j.final);
      if (open.length > 0)
        throw new Error(`${open.length} runs not settled, e.g. ${JSON.stringify(open[0])}`);
    },
    { timeout: FINISH_TIMEOUT_MS, interval: ROUND_MS },
  );
}

/** Whether a process runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function redisPid(rig: Rig): number {
  return Number(readFileSync(join(rig.dataDir, 'redis.pid'), 'utf8').trim());
}

/** SIGKILL to the CLI alone: its embedded redis-server lives on, orphaned. */
async function killCliAlone(rig: Rig): Promise<number> {
  const orphan = redisPid(rig);
  const pid = rig.server.pid;
  process.kill(pid, 'SIGKILL');
  await vi.waitFor(() => expect(alive(pid), `durq serve ${pid} still runs`).toBe(false), {
    timeout: 10_000,
    interval: 20,
  });
  expect(alive(orphan), `the embedded redis-server ${orphan} outlives the SIGKILL`).toBe(true);
  return orphan;
}

/** Stops the server with `signal` in the middle of the runs and starts it again. */
async function stopAndStart(rig: Rig, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (signal === 'SIGTERM') {
    // test/server/shutdown.test.ts checks the drain itself (503 + Retry-After).
    expect(await rig.server.stop(), rig.server.output()).toBe(0);
    // redis-server removes its pid file when it shuts down cleanly (a SIGKILL leaves it).
    expect(existsSync(join(rig.dataDir, 'redis.pid')), 'the embedded Redis stopped cleanly').toBe(
      false,
    );
    await rig.server.restart();
    return;
  }
  const orphan = await killCliAlone(rig);
  const first = rig.server;
  rig.server = await startDurqServe({
    main: durqMain(),
    port: rig.port,
    dataDir: rig.dataDir,
    args: rig.args,
  });
  expect(alive(orphan), 'the next durq serve stopped the orphaned redis-server').toBe(false);
  expect(redisPid(rig)).not.toBe(orphan);
  await first.stop(); // only sweeps what may be left of the first one's process group
}

/** How often each step's body ran in a run: `step -> count`. */
function executions(steps: CounterLine[], runId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of steps)
    if (s.runId === runId && s.phase !== 'end') out[s.step] = (out[s.step] ?? 0) + 1;
  return out;
}

function checkOutcome(rig: Rig, journeys: Journey[], signal: string): void {
  const steps = readCounter(rig.stepsFile);
  for (const j of journeys) {
    const label = `${signal}: ${j.kind} run ${j.n} (${j.runId})`;
    expect(j.final, label).toMatchObject({ status: 'Completed', output: expectedOutput(j) });
    // What was saved before the stop is still there, and the memo holds each step once.
    expect(j.memoAtWait, label).toMatchObject(j.memoAtStop ?? {});
    expect(j.memoAtWait, label).toEqual(memoBeforeWait(j));
    const expected: Record<string, number> = { first: 1, last: 1 };
    // Each worker was in its slow step when the stop came (its one start, no end: see
    // notInPosition). A SIGTERM lets that call finish; a SIGKILL loses it, and it runs again.
    if (j.kind === 'worker') expected.slow = signal === 'SIGTERM' ? 1 : 2;
    expect(executions(steps, j.runId), label).toEqual(expected);
  }
}

async function restartCase(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const rig = await startRig();
  try {
    await rig.api.untilSynced(PROBE_EVENT);
    const journeys = await startJourneys(rig);
    await untilInPosition(rig, journeys);
    await stopAndStart(rig, signal);
    await signalUntilDone(rig, journeys);
    checkOutcome(rig, journeys, signal);
    for (const j of journeys) {
      const runs = await rig.api.runsOf(j.eventId);
      expect(
        runs.map((r) => r.run_id),
        `${signal}: the runs of event ${j.eventId}`,
      ).toEqual([j.runId]);
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- durq serve:\n${rig.server.output()}`, {
      cause: err,
    });
  } finally {
    await rig.app.stop();
    await rig.server.stop();
    rmSync(rig.dir, { recursive: true, force: true });
  }
}

describe('durq serve stopped in the middle of 50 runs, then started on the same data dir', () => {
  it(
    'after a SIGTERM, every run completes and no step ran twice',
    async () => {
      await restartCase('SIGTERM');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'after a SIGKILL (its redis-server orphaned), every run completes, none twice',
    async () => {
      await restartCase('SIGKILL');
    },
    CASE_TIMEOUT_MS,
  );
});
