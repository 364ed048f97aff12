import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { cronTickJobId } from '../../../src/executor/cron-schedule.js';
import { createEngine, type Engine } from '../../../src/executor/engine.js';
import { itemIdOf } from '../../../src/executor/job-ids.js';
import { QueueShard } from '../../../src/queue/shard.js';
import { connectRedis } from '../../../src/redis/ioredis-transport.js';
import { startEventApi, type EventApi } from '../../../testkit/event-api.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { startSdkApp, type SdkApp } from '../../../testkit/sdk-app.js';

/**
 * Cron triggers end to end, with the real SDK: two engines (two processors, each with its own
 * Redis connection, in this process because they share one manual clock) on one Redis, and an
 * app with a cron function every minute, and one every minute with a 30 s jitter. The clock is
 * moved a second at a time (so leases are extended as in real time), never in minute jumps.
 */
const START = Date.UTC(2024, 0, 1, 0, 0, 30); // 00:00:30 UTC
const MINUTE = 60_000;
const TIMER = 'inngest/scheduled.timer';

interface SeenRun {
  fn: string;
  runId: string;
  event: { name: string; id: string; ts: number; data: Record<string, unknown> };
  /** The engine clock when the SDK was called. */
  calledAt: number;
}

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cron triggers: one run per tick, however many engines', () => {
  const clock = new ManualClock(START);
  const seen: SeenRun[] = [];
  let redis: RedisServer;
  let engines: Engine[] = [];
  let events: EventApi;
  const apps: SdkApp[] = [];

  /** Moves the clock to `target` a second at a time, letting the engines work in between. */
  async function advanceTo(target: number): Promise<void> {
    while (clock.now() < target) {
      clock.advance(Math.min(1000, target - clock.now()));
      await realSleep(15);
    }
  }

  /** Waits (nudging the clock by 10 ms) until `done()` holds, for at most 20 s of real time. */
  async function settle(done: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      if (await done()) return;
      clock.advance(10);
      await realSleep(10);
    }
    throw new Error('did not settle');
  }

  const runsOf = (fn: string) => seen.filter((s) => s.fn === fn);

  beforeAll(async () => {
    redis = await startRedisServer();
    engines = await Promise.all(
      [1, 2].map((i) =>
        createEngine({
          redis: redis.url,
          clock,
          random: seededRandom(`cron-e2e-${i}`),
          backoffScale: 0.001,
          openTelemetry: false,
          processor: { idleMaxMs: 50, lookaheadMs: 0 },
        }),
      ),
    );
    events = await startEventApi(engines[0] as Engine);
    const record = (fn: string, event: SeenRun['event'], runId: string) => {
      seen.push({ fn, runId, event, calledAt: clock.now() });
      return event.data;
    };
    apps.push(
      await startSdkApp({
        appId: 'crons',
        eventApiUrl: events.url,
        functions: (inngest) => [
          inngest.createFunction(
            { id: 'tick', triggers: [{ cron: '* * * * *' }] },
            async ({ event, runId }) => record('tick', event as SeenRun['event'], runId),
          ),
          inngest.createFunction(
            // The SDK syncs `jitter` as given; its 4.24 trigger type does not list it.
            { id: 'jittery', triggers: [{ cron: '* * * * *', jitter: '30s' } as { cron: string }] },
            async ({ event, runId }) => record('jittery', event as SeenRun['event'], runId),
          ),
        ],
      }),
    );
    // Both engines sync the app (each seeds the chains), then one syncs it again.
    for (const engine of [...engines, engines[0] as Engine])
      await engine.registerApp(apps[0]?.url as string);
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.stop();
    for (const engine of engines) await engine.close();
    await events?.stop();
    await redis?.stop();
  });

  it('three ticks → three runs of each function, each with its scheduled.timer event', async () => {
    await advanceTo(START + 3 * MINUTE + 15_000); // 00:03:45: ticks 00:01, 00:02, 00:03
    await settle(() => runsOf('tick').length >= 3 && runsOf('jittery').length >= 3);
    await advanceTo(clock.now() + 5000);
    const ticks = [1, 2, 3].map((m) => new Date(Date.UTC(2024, 0, 1, 0, m, 0)));
    const rfc = (d: Date) => d.toISOString().replace('.000Z', 'Z');
    for (const fn of ['tick', 'jittery']) {
      const runs = runsOf(fn);
      expect(runs.map((r) => r.event.data.scheduledAt)).toEqual(ticks.map(rfc));
      expect(new Set(runs.map((r) => r.runId)).size).toBe(3);
      for (const r of runs) {
        expect(r.event.name).toBe(TIMER);
        expect(Object.keys(r.event.data).sort()).toEqual(['cron', 'fireAt', 'scheduledAt']);
        expect(r.event.data.cron).toBe('* * * * *');
        expect(r.event.id).toBe(r.event.data.scheduledAt);
        const fireAt = Date.parse(r.event.data.fireAt as string);
        expect(r.event.ts).toBe(fireAt);
        const jitter = fireAt - Date.parse(r.event.data.scheduledAt as string);
        if (fn === 'tick') expect(jitter).toBe(0);
        else {
          expect(jitter).toBeGreaterThanOrEqual(1000);
          expect(jitter).toBeLessThan(30_000);
          expect(jitter % 1000).toBe(0);
        }
        // The run starts at its fire time, not before.
        expect(r.calledAt).toBeGreaterThanOrEqual(fireAt);
      }
    }
    // Each tick's event is in the event list, and started exactly one run.
    const listed = await (engines[1] as Engine).listEvents({ name: TIMER, limit: 50 });
    expect(listed).toHaveLength(6);
    for (const e of listed) {
      const runs = await (engines[1] as Engine).runsOf(e.internalId);
      expect(Object.keys(runs)).toHaveLength(1);
      const run = await (engines[0] as Engine).getRun(Object.keys(runs)[0] as string);
      expect(run?.status).toBe('completed');
      // The run says which schedule started it (REST `cron`).
      expect(run?.cron).toBe((e.data as { cron: string }).cron);
    }
  }, 60_000);

  it('a re-sync with the same crons does not double a tick', async () => {
    for (const engine of engines) await engine.registerApp(apps[0]?.url as string);
    await advanceTo(START + 4 * MINUTE + 15_000); // 00:04:45: tick 00:04
    await settle(() => runsOf('tick').length >= 4 && runsOf('jittery').length >= 4);
    await advanceTo(clock.now() + 5000);
    expect(runsOf('tick')).toHaveLength(4);
    expect(runsOf('jittery')).toHaveLength(4);
  }, 60_000);

  it('a re-sync without the cron triggers stops the ticks, and their items end', async () => {
    apps.push(
      await startSdkApp({
        appId: 'crons',
        eventApiUrl: events.url,
        functions: (inngest) => [
          // `tick` now runs on an event only; `jittery` is gone.
          inngest.createFunction({ id: 'tick', triggers: [{ event: 'crons/go' }] }, async () => 1),
        ],
      }),
    );
    await (engines[1] as Engine).registerApp(apps[1]?.url as string);
    const before = seen.length;
    // Past the queued 00:05 ticks and the 00:05 health check, and three more minutes.
    await advanceTo(START + 8 * MINUTE); // 00:08:30
    await settle(async () => (await (engines[0] as Engine).queueDepth()).durq === 0);
    expect(seen.length).toBe(before);
    expect(await (engines[0] as Engine).listEvents({ name: TIMER, limit: 50 })).toHaveLength(8);
  }, 60_000);
});

describe('cron health check: a lost chain is seeded again', () => {
  it('a tick item removed from the queue: no runs until the 00:05 check, then every minute', async () => {
    const clock = new ManualClock(START);
    const redis = await startRedisServer();
    const engine = await createEngine({
      redis: redis.url,
      clock,
      random: seededRandom('cron-health'),
      openTelemetry: false,
      processor: { idleMaxMs: 50, lookaheadMs: 0 },
    });
    const transport = await connectRedis(redis.url);
    const scheduled: unknown[] = [];
    const app = await startSdkApp({
      appId: 'lost',
      functions: (inngest) => [
        inngest.createFunction(
          { id: 'beat', triggers: [{ cron: '* * * * *' }] },
          async ({ event }) => scheduled.push(event.data.scheduledAt),
        ),
      ],
    });
    try {
      await engine.registerApp(app.url);
      const shard = new QueueShard({ name: 'durq', transport, clock, random: seededRandom(1) });
      const first = Date.UTC(2024, 0, 1, 0, 1, 0);
      const item = await shard.getItem(itemIdOf(cronTickJobId('lost-beat', '* * * * *', first)));
      expect(item?.kind).toBe('cron');
      await shard.dequeue(item!, null); // the chain is lost
      while (clock.now() < Date.UTC(2024, 0, 1, 0, 7, 30)) {
        clock.advance(1000);
        await realSleep(15);
      }
      for (let i = 0; i < 500 && scheduled.length < 2; i++) {
        clock.advance(10);
        await realSleep(10);
      }
      expect(scheduled).toEqual(['2024-01-01T00:06:00Z', '2024-01-01T00:07:00Z']);
    } finally {
      await app.stop();
      await engine.close();
      await transport.close();
      await redis.stop();
    }
  }, 60_000);
});
