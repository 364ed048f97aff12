import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/executor/engine.js';
import type { RunView } from '../../../src/executor/run-view.js';
import { startEventApi, type EventApi } from '../../../testkit/event-api.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { startSdkAppProcess, type SdkAppProcess } from '../../../testkit/sdk-app-process.js';
import { stepIdHash } from '../../../testkit/sdk-protocol.js';
import { cleanupAll } from '../../helpers/cleanup.js';
import { readRunState, RunStateWatcher } from '../../helpers/run-state.js';
import { waitUntil } from '../../helpers/wait.js';
import {
  COUNTER_FILE_ENV,
  readCounter,
  type CounterLine,
  type StepResult,
} from './fixtures/fault-app.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'fault-app.ts');
const CHAIN = ['s1', 's2', 's3', 's4'];
const FAN = ['p1', 'p2', 'p3', 'join'];

/**
 * The SDK app (a real inngest SDK in a child process) dies or freezes in the middle of a step,
 * and comes back: the run still completes with the right output, and the run state in Redis shows
 * every step committed once, with the result of an execution that completed (a step whose
 * execution was killed ran again; only one result was ever saved).
 */
describe('faults: the SDK app killed or frozen mid-step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durq-faults-app-'));
  const counter = join(dir, 'counter.log');
  let redis: RedisServer;
  let raw: Redis;
  let engine: Engine;
  let events: EventApi;
  let app: SdkAppProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    engine = await createEngine({
      redis: redis.url,
      backoffScale: 0.001,
      requestTimeoutMs: 4000,
      openTelemetry: false,
      processor: { leaseMs: 2000, idleMaxMs: 50, lookaheadMs: 0 },
    });
    events = await startEventApi(engine);
    app = await startSdkAppProcess({
      module: FIXTURE,
      eventApiUrl: events.url,
      env: { [COUNTER_FILE_ENV]: counter },
    });
    await engine.registerApp(app.url);
  }, 60_000);

  afterAll(() =>
    cleanupAll(
      () => app?.stop(),
      () => engine?.close(),
      () => events?.stop(),
      () => raw?.disconnect(),
      () => redis?.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  async function trigger(name: string, data: Record<string, unknown>): Promise<string> {
    const { ids } = await engine.send({ name, data });
    const [runId] = Object.keys(await engine.runsOf(ids[0] as string));
    if (!runId) throw new Error('the event started no run');
    return runId;
  }

  const linesOf = (runId: string, step?: string, phase?: string): CounterLine[] =>
    readCounter(counter).filter(
      (l) =>
        l.runId === runId &&
        (step === undefined || l.step === step) &&
        (phase === undefined || l.phase === phase),
    );

  /**
   * What every test here checks once the run ended: the output is the step results in order;
   * each committed result is one whose execution completed (an `end` line with its nonce); each
   * step is committed once (stack, step_count, step records; the memo the watcher saw while the
   * run was live never changed and matches the output); finalization removed the memo.
   * `steps` run in sequence, except that with `parallel` the first three ran in parallel (and
   * commit in any order).
   */
  async function expectCommittedOnce(
    run: RunView,
    watcher: RunStateWatcher,
    steps = CHAIN,
    parallel = false,
  ): Promise<void> {
    expect(run.status).toBe('completed');
    const results = (run.output as { results: StepResult[] }).results;
    expect(results.map((r) => r.step)).toEqual(steps);
    for (const r of results) {
      const ends = linesOf(run.id, r.step, 'end').filter((l) => l.nonce === r.nonce);
      expect(ends, `the committed result of ${r.step} comes from a completed execution`).toEqual([
        { runId: run.id, phase: 'end', ...r },
      ]);
    }
    const state = await readRunState(raw, run.id);
    const ids = steps.map((s) => stepIdHash(s));
    if (parallel)
      expect([...state.stack.slice(0, 3).sort(), ...state.stack.slice(3)]).toEqual([
        ...ids.slice(0, 3).sort(),
        ...ids.slice(3),
      ]);
    else expect(state.stack).toEqual(ids);
    expect(state.meta['status']).toBe('completed');
    expect(state.meta['step_count']).toBe(String(steps.length));
    expect(Object.keys(state.steps).sort()).toEqual([...ids].sort());
    expect(ids.map((id) => state.steps[id]?.name)).toEqual(steps);
    expect(state.memoExists).toBe(false);
    // Step records count the attempt that committed (item attempt + 1).
    for (const r of results)
      expect(state.steps[stepIdHash(r.step)]?.attempts, r.step).toBe(r.attempt + 1);
    expect(await watcher.stop()).toEqual([]);
    const seen = watcher.memoSeen.get(run.id) ?? new Map<string, string>();
    expect(seen.size, 'the watcher saw memo entries while the run was live').toBeGreaterThan(0);
    for (const r of results) {
      const json = seen.get(stepIdHash(r.step));
      if (json !== undefined) expect(JSON.parse(json), r.step).toEqual({ data: r });
    }
  }

  it('SIGKILL while a step runs, restart on the same port: the step runs again, commits once', async () => {
    const runId = await trigger('faults/chain', { holdStep: 's2', holdMs: 60_000, stepMs: 50 });
    const watcher = new RunStateWatcher(raw);
    watcher.watch(runId);
    await waitUntil(() => linesOf(runId, 's2', 'start').length === 1, 20_000, 's2 to start');
    await new Promise((r) => setTimeout(r, 200)); // the request is in flight, the body holds
    const killedPid = app.pid;
    expect(linesOf(runId, 's2', 'end')).toEqual([]);
    await app.kill('SIGKILL');
    // While the app is down the engine's retries are refused (each consumes an attempt).
    await new Promise((r) => setTimeout(r, 300));
    await app.restart();
    const run = await engine.waitForRun(runId, { timeoutMs: 30_000 });
    await expectCommittedOnce(run, watcher);

    // s1 ran once in the first process; s2 started there, never ended there, and ran again in
    // the new process; s3 and s4 ran once each in the new process.
    const starts = (step: string) => linesOf(runId, step, 'start').map((l) => l.pid);
    expect(starts('s1')).toEqual([killedPid]);
    expect(linesOf(runId, 's1', 'end').map((l) => l.pid)).toEqual([killedPid]);
    expect(starts('s2')[0]).toBe(killedPid);
    expect(starts('s2').slice(1)).toEqual([app.pid]);
    expect(linesOf(runId, 's2', 'end').map((l) => l.pid)).toEqual([app.pid]);
    expect(starts('s3')).toEqual([app.pid]);
    expect(starts('s4')).toEqual([app.pid]);
    const s2 = (run.output as { results: StepResult[] }).results[1] as StepResult;
    expect(s2.pid).toBe(app.pid);
    expect(s2.attempt).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('SIGSTOP past the request timeout, then SIGCONT: late duplicate executions commit nothing', async () => {
    // s2 holds 2.5 s on attempt 0; the app freezes 200 ms into it, so the engine's request times
    // out (4 s) and its retry (attempt 1) waits in the frozen app's socket. On SIGCONT the held
    // execution ends and answers a closed connection; the retry runs s2 again and is committed.
    const runId = await trigger('faults/chain', { holdStep: 's2', holdMs: 2500, stepMs: 50 });
    const watcher = new RunStateWatcher(raw);
    watcher.watch(runId);
    await waitUntil(() => linesOf(runId, 's2', 'start').length === 1, 20_000, 's2 to start');
    await new Promise((r) => setTimeout(r, 200));
    await app.kill('SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 5500)); // past the 4 s request timeout
    } finally {
      await app.kill('SIGCONT');
    }
    const run = await engine.waitForRun(runId, { timeoutMs: 30_000 });
    await expectCommittedOnce(run, watcher);

    // Both executions of s2 completed (the first one's result was discarded); the committed one
    // is a retry.
    const ends = linesOf(runId, 's2', 'end');
    expect(ends.length).toBeGreaterThanOrEqual(2);
    expect(ends.map((l) => l.attempt)).toContain(0);
    const s2 = (run.output as { results: StepResult[] }).results[1] as StepResult;
    expect(s2.attempt).toBeGreaterThanOrEqual(1);
    for (const step of ['s1', 's3', 's4'])
      expect(linesOf(runId, step, 'start'), step).toHaveLength(1);
  }, 60_000);

  it('SIGKILL while one of three parallel steps runs: it runs again, the join runs once', async () => {
    const runId = await trigger('faults/fan', { holdStep: 'p2', holdMs: 60_000, stepMs: 50 });
    const watcher = new RunStateWatcher(raw);
    watcher.watch(runId);
    await waitUntil(
      () => linesOf(runId, 'p2', 'start').length === 1 && linesOf(runId, 'p1', 'end').length === 1,
      20_000,
      'p2 to hold',
    );
    await waitUntil(() => linesOf(runId, 'p3', 'end').length === 1, 5000, 'p3 to end');
    await new Promise((r) => setTimeout(r, 200)); // p1 and p3 committed, p2 holds
    const killedPid = app.pid;
    await app.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await app.restart();
    const run = await engine.waitForRun(runId, { timeoutMs: 30_000 });
    await expectCommittedOnce(run, watcher, FAN, true);
    const starts = (step: string) => linesOf(runId, step, 'start').map((l) => l.pid);
    expect(starts('p1')).toEqual([killedPid]);
    expect(starts('p3')).toEqual([killedPid]);
    expect(starts('p2')).toEqual([killedPid, app.pid]);
    expect(starts('join')).toEqual([app.pid]);
    // p1 and p3 were committed before the kill, so the stack has them first.
    const state = await readRunState(raw, runId);
    expect(state.stack.slice(2)).toEqual([stepIdHash('p2'), stepIdHash('join')]);
  }, 60_000);

  it('a step that runs longer than the lease runs once: the lease is extended, not scavenged', async () => {
    // 3.5 s > leaseMs 2 s (and < requestTimeoutMs 4 s): no fault, only time.
    const runId = await trigger('faults/chain', { holdStep: 's2', holdMs: 3500, stepMs: 20 });
    const watcher = new RunStateWatcher(raw);
    watcher.watch(runId);
    const run = await engine.waitForRun(runId, { timeoutMs: 30_000 });
    await expectCommittedOnce(run, watcher);
    for (const step of CHAIN) expect(linesOf(runId, step, 'start'), step).toHaveLength(1);
    const s2 = (run.output as { results: StepResult[] }).results[1] as StepResult;
    expect(s2.attempt).toBe(0);
  }, 60_000);
});
