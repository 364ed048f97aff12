import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { InvalidOptionError } from '../../src/core/errors.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/executor/engine.js';
import { InvalidEventError, InvalidFunctionConfigError } from '../../src/executor/errors.js';
import type { StoredEventView } from '../../src/executor/event-list.js';
import { HEALTH_TIMEOUT_MS } from '../../src/executor/health.js';
import { buildRequestBody } from '../../src/executor/request.js';
import type { QueueItem } from '../../src/queue/item.js';
import { connectRedis } from '../../src/redis/ioredis-transport.js';
import { RunKeys } from '../../src/state/keys.js';
import type { LoadedRun } from '../../src/state/shard/loadRun.js';
import { startEventApi, type EventApi } from '../../testkit/event-api.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { startRedisServer } from '../../testkit/redis-server.js';
import { startSdkApp, type RecordedRequest, type SdkApp } from '../../testkit/sdk-app.js';
import { devClient, syncInBand } from './sdk-sync.js';

/**
 * The engine calls the HTTP server is built on: the event index (listEvents, getEvent),
 * registerConfig, runData and jobsOf, health and queueDepth, and `use_api` for large bodies,
 * on real Redis and, where the SDK is involved, with the real `inngest` SDK.
 */
const redis = useRedis();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

let shardCounter = 0;
/** An engine that runs nothing, on a fresh shard, with a manual clock at T0. */
async function readEngine(opts: Partial<EngineOptions> = {}) {
  const clock = new ManualClock(T0);
  const shardName = `api${process.pid}-${++shardCounter}`;
  const engine = await createEngine({
    redis: redis.transport,
    process: false,
    openTelemetry: false,
    clock,
    shardName,
    ...opts,
  });
  closers.push(() => engine.close());
  return { engine, clock, keys: new RunKeys(shardName), shardName };
}

const numbers = (events: StoredEventView[]) => events.map((e) => e.data.i);
/** from, from - step, … down to `to`. */
const countDown = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((from - to) / step) + 1 }, (_, k) => from - k * step);

describe('listEvents and getEvent', () => {
  /** 60 events a second apart; every third is `api/fizz`. Event i is received at T0 + (i+1) s. */
  async function sixty() {
    const r = await readEngine();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      r.clock.advance(1000);
      const name = i % 3 === 0 ? 'api/fizz' : 'api/other';
      ids.push((await r.engine.send({ name, data: { i } })).ids[0] as string);
    }
    return { ...r, ids, at: (i: number) => T0 + (i + 1) * 1000 };
  }

  it('lists newest first: 20 by default, limit clamped to 1..51', async () => {
    const { engine } = await sixty();
    expect(numbers(await engine.listEvents())).toEqual(countDown(59, 40));
    expect(numbers(await engine.listEvents({ limit: 1000 }))).toEqual(countDown(59, 9));
    expect(numbers(await engine.listEvents({ limit: 0 }))).toEqual([59]);
  });

  it('pages by cursor through every event once, by name too', async () => {
    const { engine, ids } = await sixty();
    const pages = async (q: { name?: string; limit: number }) => {
      const seen: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 30; page++) {
        const got = await engine.listEvents({ ...q, ...(cursor ? { cursor } : {}) });
        if (got.length === 0) break;
        seen.push(...numbers(got));
        cursor = got[got.length - 1]?.internalId;
      }
      return seen;
    };
    expect(await pages({ limit: 7 })).toEqual(countDown(59, 0));
    expect(await pages({ name: 'api/fizz', limit: 4 })).toEqual(countDown(57, 0, 3));
    const fizz = await engine.listEvents({ name: 'api/fizz', limit: 5, cursor: ids[45] });
    expect(numbers(fizz)).toEqual([42, 39, 36, 33, 30]);
    expect(fizz.every((e) => e.name === 'api/fizz')).toBe(true);
  });

  it('filters by received time: after inclusive, before exclusive, default the last hour', async () => {
    const { engine, clock, at } = await sixty();
    expect(numbers(await engine.listEvents({ receivedBefore: at(30), limit: 3 }))).toEqual([
      29, 28, 27,
    ]);
    expect(numbers(await engine.listEvents({ receivedAfter: at(56) }))).toEqual([59, 58, 57, 56]);
    const window = { receivedAfter: at(10), receivedBefore: at(13) };
    expect(numbers(await engine.listEvents(window))).toEqual([12, 11, 10]);
    clock.set(at(29) + 3600 * 1000); // an hour after event 29 arrived
    expect(numbers(await engine.listEvents({ limit: 51 }))).toEqual(countDown(59, 29));
  });

  it('orders events received in the same ms by ID, and pages through them', async () => {
    const { engine } = await readEngine();
    const { ids } = await engine.send([1, 2, 3].map((i) => ({ name: 'api/same', data: { i } })));
    const all = (await engine.listEvents()).map((e) => e.internalId);
    expect(all).toEqual([...ids].sort().reverse());
    const one = await engine.listEvents({ limit: 1 });
    const two = await engine.listEvents({ limit: 1, cursor: one[0]?.internalId });
    const three = await engine.listEvents({ limit: 5, cursor: two[0]?.internalId });
    expect([...one, ...two, ...three].map((e) => e.internalId)).toEqual(all);
  });

  it('getEvent answers the stored event with its received time; unknown IDs are null', async () => {
    const { engine, clock } = await readEngine();
    clock.advance(5);
    const event = { name: 'api/full', data: { a: 1 }, id: 'mine', ts: 123, user: { u: 2 }, v: '1' };
    const [internalId] = (await engine.send(event)).ids;
    const view = { ...event, internalId, receivedAt: T0 + 5 };
    expect(await engine.getEvent(internalId as string)).toEqual(view);
    expect(await engine.listEvents()).toEqual([view]);
    const [plain] = (await engine.send({ name: 'api/plain' })).ids;
    expect(await engine.getEvent(plain as string)).toEqual({
      internalId: plain,
      id: plain,
      name: 'api/plain',
      data: {},
      user: {},
      ts: T0 + 5,
      receivedAt: T0 + 5,
    });
    expect(await engine.getEvent('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeNull();
    expect(await engine.getEvent('not-an-id')).toBeNull();
    const err = await engine.listEvents({ cursor: 'not-an-id' }).catch((e: unknown) => e);
    expect((err as InvalidOptionError).option).toBe('cursor');
  });

  it('skips index entries whose event is gone, reading on to fill the page', async () => {
    const { engine, clock, keys } = await readEngine();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      ids.push((await engine.send({ name: 'api/gone', data: { i } })).ids[0] as string);
    }
    await redis.raw.del(keys.event(ids[4] as string), keys.event(ids[3] as string));
    expect(numbers(await engine.listEvents({ limit: 3 }))).toEqual([2, 1, 0]);
    expect(await engine.getEvent(ids[4] as string)).toBeNull();
  });

  it('keeps events for the retention; the next ingest trims older index entries', async () => {
    const { engine, clock, keys } = await readEngine({ eventRetentionMs: 10_000 });
    const send = async (name: string) => (await engine.send({ name })).ids[0] as string;
    const old = await send('api/r');
    clock.advance(6000);
    const mid = await send('api/r');
    clock.advance(3999);
    const listed = async () => (await engine.listEvents({ receivedAfter: 0 })).map((e) => e.name);
    expect(await listed()).toHaveLength(2);
    clock.advance(1); // `old` is now 10 s old: no longer kept, though its index entry is there
    expect((await engine.listEvents({ receivedAfter: 0 })).map((e) => e.internalId)).toEqual([mid]);
    expect(await engine.getEvent(old)).toBeNull();
    expect(await engine.getEvent(mid)).not.toBeNull();
    expect(await redis.raw.zrange(keys.eventIndex(), 0, -1)).toEqual([old, mid]);
    const fresh = await send('api/r');
    expect(await redis.raw.zrange(keys.eventIndex(), 0, -1)).toEqual([mid, fresh]);
    expect(await redis.raw.zrange(keys.eventNameIndex('api/r'), 0, -1)).toEqual([mid, fresh]);
    expect(await redis.raw.pttl(keys.eventIndex())).toBeGreaterThan(9000);
  });

  it('accepts events up to maxEventBytes, which may be 3 MiB', async () => {
    const big = { name: 'api/big', data: { s: 'x'.repeat(2.5 * 1024 * 1024) } };
    const { engine } = await readEngine({ maxEventBytes: 3 * 1024 * 1024 });
    const [id] = (await engine.send(big)).ids;
    expect((await engine.getEvent(id as string))?.data.s).toBe(big.data.s);
    const small = await readEngine();
    await expect(small.engine.send(big)).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe('registerConfig (out of band, from the real SDK)', () => {
  it('reports modified only for a changed config; a bad one leaves the previous', async () => {
    const { engine } = await readEngine();
    const bodies: Record<string, unknown>[] = [];
    const api = await startEventApi({
      send: (events) => engine.send(events),
      registerConfig: (raw, url) => (
        bodies.push(raw as Record<string, unknown>),
        engine.registerConfig(raw, url)
      ),
    });
    closers.push(() => api.stop());
    const app = await startSdkApp({
      appId: 'cfg',
      eventApiUrl: api.url,
      functions: (inngest) => [
        inngest.createFunction({ id: 'a', triggers: [{ event: 'cfg/a' }] }, async () => 'a'),
        inngest.createFunction({ id: 'b', triggers: [{ event: 'cfg/b' }] }, async () => 'b'),
      ],
    });
    closers.push(() => app.stop());
    const sync = async () =>
      ((await (await fetch(app.url, { method: 'PUT' })).json()) as { modified: boolean }).modified;
    expect(await sync()).toBe(true);
    expect(await sync()).toBe(false);

    const raw = bodies[0] as { url: string; functions: Record<string, unknown>[] };
    const renamed = structuredClone(raw);
    (renamed.functions[0] as { name: string }).name = 'renamed';
    expect(await engine.registerConfig(renamed, raw.url)).toEqual({
      appId: 'cfg',
      functions: ['cfg-a', 'cfg-b'],
      modified: true,
    });
    expect((await engine.registerConfig(renamed, raw.url)).modified).toBe(false);
    expect((await engine.registerConfig(raw, raw.url)).modified).toBe(true);

    const bad = structuredClone(raw);
    bad.functions[1] = { ...bad.functions[1], triggers: [{ event: 42 }] };
    bad.functions.splice(0, 1, { ...bad.functions[0], id: 'cfg-new' });
    const err = await engine.registerConfig(bad, raw.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidFunctionConfigError);
    expect((err as InvalidFunctionConfigError).path).toBe('functions[1].triggers[0].event');
    // Nothing of the bad config was registered: both old functions still start runs.
    for (const name of ['cfg/a', 'cfg/b']) {
      const [id] = (await engine.send({ name })).ids;
      expect(Object.values(await engine.runsOf(id as string))).toEqual([name.replace('/', '-')]);
    }
    expect((await engine.registerConfig(raw, raw.url)).modified).toBe(false);
  });
});

const runOf = (r: RecordedRequest) =>
  (r.body as { ctx?: { run_id?: string } } | undefined)?.ctx?.run_id;
const BIG = 6000;

describe('runData, jobsOf and use_api (real SDK, a running engine)', () => {
  let engine: Engine;
  let app: SdkApp;
  let api: EventApi;
  beforeAll(async () => {
    engine = await createEngine({
      redis: redis.server.url,
      shardName: `api${process.pid}-run`,
      openTelemetry: false,
      backoffScale: 0.001,
      processor: { idleMaxMs: 50, lookaheadMs: 0 },
      maxRequestBodyBytes: 4096,
    });
    closers.push(() => engine.close());
    api = await startEventApi(engine);
    closers.push(() => api.stop());
    app = await startSdkApp({
      appId: 'api',
      eventApiUrl: api.url,
      functions: (inngest) => [
        inngest.createFunction(
          { id: 'waits', triggers: [{ event: 'api/wait' }] },
          async ({ step }) => {
            const a = await step.run('a', () => 1);
            const b = await step.run('b', () => ({ n: a + 1 }));
            const got = await step.waitForEvent('go', { event: 'api/go', timeout: '1h' });
            return { a, b, got: got?.data ?? null };
          },
        ),
        inngest.createFunction(
          { id: 'big', triggers: [{ event: 'api/big' }] },
          async ({ step }) => {
            const big = await step.run('big', () => 'x'.repeat(BIG));
            const length = await step.run('length', () => big.length);
            return { length };
          },
        ),
      ],
    });
    closers.push(() => app.stop());
    await engine.registerApp(app.url);
  });
  const start = async (name: string) => {
    const [eventId] = (await engine.send({ name })).ids;
    return Object.keys(await engine.runsOf(eventId as string))[0] as string;
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 500; i++) {
      const got = await probe();
      if (got !== undefined) return got;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('runData is what the SDK got; jobsOf shows the pause; both empty once it ended', async () => {
    const runId = await start('api/wait');
    const jobs = await until('the pause', async () => {
      const j = await engine.jobsOf(runId);
      return j.some((x) => x.kind === 'pause') ? j : undefined;
    });
    expect(jobs).toEqual([
      {
        id: expect.any(String),
        at: expect.any(Number),
        kind: 'pause',
        attempt: 0,
        raw: expect.objectContaining({ runId, kind: 'pause' }),
      },
    ]);
    expect(jobs[0]?.at).toBeGreaterThan(Date.now() + 59 * 60 * 1000);
    const calls = app.requests.filter((r) => runOf(r) === runId);
    const last = calls[calls.length - 1]?.body as {
      events: unknown[];
      steps: Record<string, unknown>;
    };
    const data = await engine.runData(runId);
    expect(data).toEqual({ events: last.events, actions: last.steps });
    expect(Object.values(data?.actions ?? {})).toEqual([{ data: 1 }, { data: { n: 2 } }]);
    expect(calls.every((r) => (r.body as { ctx: { use_api: boolean } }).ctx.use_api)).toBe(false);

    await engine.send({ name: 'api/go', data: { ok: true } });
    const run = await engine.waitForRun(runId, { timeoutMs: 10_000 });
    expect(run.output).toEqual({ a: 1, b: { n: 2 }, got: { ok: true } });
    expect(await engine.runData(runId)).toBeNull();
    expect(await engine.runData('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeNull();
    await until('no jobs', async () =>
      (await engine.jobsOf(runId)).length === 0 ? true : undefined,
    );
  });

  it('sends a body over maxRequestBodyBytes with use_api; the SDK fetches its state', async () => {
    const runId = await start('api/big');
    const run = await engine.waitForRun(runId, { timeoutMs: 10_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ length: BIG });
    const [first, ...later] = app.requests.filter((r) => runOf(r) === runId);
    expect(first?.body).toMatchObject({
      use_api: false,
      ctx: { use_api: false },
      events: [expect.objectContaining({ name: 'api/big' })],
    });
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const r of later) {
      expect(r.rawBody.length).toBeLessThan(4096);
      expect(r.body).toMatchObject({
        use_api: true,
        ctx: { use_api: true, run_id: runId },
        event: { name: 'api/big' },
        events: [],
        steps: {},
      });
      expect(
        (r.body as { ctx: { stack: { stack: string[] } } }).ctx.stack.stack.length,
      ).toBeGreaterThan(0);
    }
    expect(api.requests).toContain(`GET /v0/runs/${runId}/actions`);
    expect(api.requests).toContain(`GET /v0/runs/${runId}/batch`);
  });

  it('health: Redis answers and this engine processes', async () => {
    expect(await engine.health()).toEqual({ redis: true, processing: true });
  });
});

describe('use_api threshold (buildRequestBody)', () => {
  const run = {
    meta: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', die: false, requestVersion: 2 },
    events: [{ name: 'api/t', data: { s: 'é'.repeat(50) } }],
    memo: { s1: '{"data":"one"}', s2: '{"data":"two"}', late: '{"data":"late"}' },
    stack: ['s1', 's2'],
    pending: [],
    functionJson: null,
  } as unknown as LoadedRun;
  const item = { attempt: 1, maxAttempts: 3 } as QueueItem;

  it('carries the state up to the limit (UTF-8 bytes of its JSON), and use_api above', () => {
    const full = buildRequestBody(run, item);
    expect(full.steps).toEqual({ s1: { data: 'one' }, s2: { data: 'two' } });
    const bytes = Buffer.byteLength(JSON.stringify(full), 'utf8');
    expect(buildRequestBody(run, item, bytes)).toEqual(full);
    expect(buildRequestBody(run, item, bytes - 1)).toEqual({
      ...full,
      events: [],
      steps: {},
      ctx: { ...full.ctx, use_api: true },
      use_api: true,
    });
    expect(full.ctx.stack).toEqual({ stack: ['s1', 's2'], current: 2 });
  });
});

describe('health and queueDepth', () => {
  it('queueDepth counts the shard’s items; jobsOf lists a run’s', async () => {
    const { engine, shardName } = await readEngine();
    const client = devClient('dep');
    const fn = client.createFunction({ id: 'go', triggers: [{ event: 'dep/go' }] }, async () => 1);
    const synced = await syncInBand(client, [fn]);
    await engine.registerConfig(synced.body, synced.url);
    expect(await engine.queueDepth()).toEqual({ [shardName]: 0 });
    const { ids } = await engine.send([{ name: 'dep/go' }, { name: 'dep/go' }, { name: 'dep/go' }]);
    expect(await engine.queueDepth()).toEqual({ [shardName]: 3 });
    const [runId] = Object.keys(await engine.runsOf(ids[0] as string));
    const jobs = await engine.jobsOf(runId as string);
    expect(jobs.map(({ kind, at, attempt }) => ({ kind, at, attempt }))).toEqual([
      { kind: 'start', at: T0, attempt: 0 },
    ]);
    expect(await engine.jobsOf('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual([]);
    expect(await engine.health()).toEqual({ redis: true, processing: false });
    await engine.close();
    expect((await engine.health()).processing).toBe(false);
  });

  it('health says Redis is unreachable (within its timeout) once the server is gone', async () => {
    const server = await startRedisServer();
    const transport = await connectRedis(server.url);
    transport.client.on('error', () => {}); // the reconnect attempts' ECONNREFUSED
    const engine = await createEngine({ redis: transport, process: false, openTelemetry: false });
    expect((await engine.health()).redis).toBe(true);
    await server.stop();
    const asked = Date.now();
    // The client holds the probe while it reconnects: the timeout answers.
    expect(await engine.health()).toEqual({ redis: false, processing: false });
    expect(Date.now() - asked).toBeLessThan(HEALTH_TIMEOUT_MS + 1000);
    await engine.close();
    transport.client.disconnect();
  });
});
