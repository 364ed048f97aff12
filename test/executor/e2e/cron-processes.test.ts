import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { createEngine, type Engine } from '../../../src/executor/engine.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { startSdkApp, type SdkApp } from '../../../testkit/sdk-app.js';
import { cleanupAll } from '../../helpers/cleanup.js';
import { startEngineChild, type EngineChild } from '../../helpers/engine-children.js';

/**
 * Cron triggers across two engine processes (issue 14): two child processes on one Redis, each
 * running an engine on its own manual clock, both started at the same instant (3 s before a
 * minute), and each syncing the app as every `durq serve -u <url>` process does (so both seed
 * the chains). The test moves both clocks in lockstep, a second at a time with a short real
 * pause, across three minute boundaries: each cron function runs exactly once per tick, with
 * its `inngest/scheduled.timer` event, whichever process leases the tick.
 */
const START = Date.UTC(2024, 0, 1, 0, 0, 57); // 00:00:57 UTC
const TICKS = [1, 2, 3].map((m) => Date.UTC(2024, 0, 1, 0, m, 0));
const TIMER = 'inngest/scheduled.timer';
const CRONS = { tick: '* * * * *', zoned: 'TZ=Asia/Kolkata * * * * *' };
const JITTER_MS = 20_000;
const STEP_MS = 1000;
const PAUSE_MS = 20;
const CHILD_OPTIONS = {
  manualClockAt: START,
  syncApp: true,
  backoffScale: 0.001,
  processor: { idleMaxMs: 50, lookaheadMs: 0 },
};

interface SeenRun {
  fn: keyof typeof CRONS;
  runId: string;
  event: { name: string; id: string; ts: number; data: Record<string, unknown> };
  /** The clocks' time when the SDK was called (at most this: the latest time sent to them). */
  calledBy: number;
}

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rfc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('cron triggers across two engine processes on manual clocks', () => {
  const seen: SeenRun[] = [];
  const children: EngineChild[] = [];
  /** Reads the runs and events (process: false); its clock follows the children's. */
  const readerClock = new ManualClock(START);
  let now = START;
  let redis: RedisServer;
  let reader: Engine;
  let app: SdkApp;

  /** Moves every clock by `ms` in lockstep, then lets the engines work for a moment. */
  async function step(ms: number): Promise<void> {
    now += ms;
    readerClock.advance(ms);
    expect(await Promise.all(children.map((c) => c.advance(ms)))).toEqual([now, now]);
    await realSleep(PAUSE_MS);
  }

  async function advanceTo(target: number): Promise<void> {
    while (now < target) await step(Math.min(STEP_MS, target - now));
  }

  /** Nudges the clocks by 100 ms until `done()` holds, for at most 20 s of real time. */
  async function settle(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`did not settle: ${what}`);
      await step(100);
    }
  }

  const runsOf = (fn: string) => seen.filter((s) => s.fn === fn);
  const finishedBy = (c: EngineChild) =>
    c.lifecycle.filter((l) => l.event === 'runFinished').map((l) => l.runId);

  beforeAll(async () => {
    redis = await startRedisServer();
    reader = await createEngine({
      redis: redis.url,
      process: false,
      clock: readerClock,
      openTelemetry: false,
    });
    const record = (fn: SeenRun['fn'], event: unknown, runId: string) => {
      seen.push({ fn, runId, event: event as SeenRun['event'], calledBy: now });
      return (event as SeenRun['event']).data;
    };
    app = await startSdkApp({
      appId: 'crons',
      functions: (inngest) => [
        inngest.createFunction(
          { id: 'tick', triggers: [{ cron: CRONS.tick }] },
          ({ event, runId }) => record('tick', event, runId),
        ),
        inngest.createFunction(
          // The SDK syncs `jitter` as given; its trigger type does not list it.
          { id: 'zoned', triggers: [{ cron: CRONS.zoned, jitter: '20s' } as { cron: string }] },
          ({ event, runId }) => record('zoned', event, runId),
        ),
      ],
    });
    children.push(
      ...(await Promise.all([
        startEngineChild(redis.url, app.url, CHILD_OPTIONS),
        startEngineChild(redis.url, app.url, CHILD_OPTIONS),
      ])),
    );
  }, 60_000);

  afterAll(() =>
    cleanupAll(
      ...children.map((c) => () => c.kill('SIGKILL')),
      () => app?.stop(),
      () => reader?.close(),
      () => redis?.stop(),
    ),
  );

  it('three ticks → one run per function and tick, none doubled', async () => {
    const last = TICKS[2] as number;
    await advanceTo(last + JITTER_MS + 2000); // 00:03:22
    await settle(
      () => runsOf('tick').length >= 3 && runsOf('zoned').length >= 3,
      `three runs of each (seen ${seen.map((s) => `${s.fn} ${s.event.id}`).join(', ')})`,
    );
    // A while more, for a doubled tick or a late re-run to show.
    await advanceTo(now + 5000);
    for (const fn of ['tick', 'zoned'] as const) {
      const runs = runsOf(fn);
      expect(runs.map((r) => r.event.data.scheduledAt)).toEqual(TICKS.map(rfc));
      expect(new Set(runs.map((r) => r.runId)).size).toBe(3);
      for (const r of runs) {
        expect(r.event.name).toBe(TIMER);
        expect(r.event.id).toBe(r.event.data.scheduledAt);
        expect(r.event.data.cron).toBe(CRONS[fn]);
        const tickAt = Date.parse(r.event.data.scheduledAt as string);
        const fireAt = Date.parse(r.event.data.fireAt as string);
        expect(r.event.ts).toBe(fireAt);
        if (fn === 'tick') expect(fireAt).toBe(tickAt);
        else {
          expect(fireAt - tickAt).toBeGreaterThanOrEqual(1000);
          expect(fireAt - tickAt).toBeLessThan(JITTER_MS);
        }
        expect(r.calledBy).toBeGreaterThanOrEqual(fireAt);
      }
    }
    // Each run finished once, in one of the two processes.
    const runIds = seen.map((s) => s.runId).sort();
    await settle(
      () => children.flatMap(finishedBy).length >= runIds.length,
      'the runs to finish in the children',
    );
    expect(children.flatMap(finishedBy).sort()).toEqual(runIds);
    // Each tick's event is stored once and started one run, which completed.
    const listed = await reader.listEvents({ name: TIMER, limit: 50 });
    expect(listed).toHaveLength(6);
    for (const e of listed) {
      const runs = Object.keys(await reader.runsOf(e.internalId));
      expect(runs).toHaveLength(1);
      expect((await reader.getRun(runs[0] as string))?.status).toBe('completed');
    }
    const split = children.map((c) => finishedBy(c).length).join(' + ');
    console.log(`cron across processes: ${seen.length} runs, by child ${split}`);
  }, 60_000);
});
