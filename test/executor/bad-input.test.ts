import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createEngine, type Engine } from '../../src/executor/engine.js';
import { InvalidEventError, InvalidFunctionConfigError } from '../../src/executor/errors.js';
import { startRedisServer, type RedisServer } from '../../testkit/redis-server.js';

/**
 * Bad input gets an error that names what is wrong, and nothing is half written. The SDK side is
 * a small fake here: the real SDK never answers with these bodies.
 */
let redis: RedisServer;
let raw: Redis;
let engine: Engine;
let fake: Server;
let appUrl: string;
/** What the fake answers to a call, by function id. */
const answers: Record<string, { status: number; body: string }> = {
  'bad-notarray': { status: 206, body: JSON.stringify({ nope: true, op: 42 }) },
  'bad-opcode': { status: 206, body: JSON.stringify([{ op: 'Teleport', id: 'abc' }]) },
  'bad-huge': { status: 200, body: JSON.stringify('y'.repeat(8192)) },
  'bad-unsupported': { status: 206, body: JSON.stringify([{ op: 'Gateway', id: 'g1', opts: {} }]) },
};

const fnConfig = (id: string) => ({
  id,
  name: id,
  triggers: [{ event: `bad/${id}` }],
  steps: {
    step: {
      id: 'step',
      name: 'step',
      runtime: { type: 'http', url: `${appUrl}?fnId=${id}&stepId=step` },
      retries: { attempts: 1 },
    },
  },
});

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url);
  fake = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    req.on('end', () => {
      const headers = { 'content-type': 'application/json', 'x-inngest-sdk': 'fake:v0.0.1' };
      if (req.method === 'PUT') {
        res.writeHead(200, headers);
        res.end(JSON.stringify({ app_id: 'bad', functions: Object.keys(answers).map(fnConfig) }));
        return;
      }
      const a = answers[url.searchParams.get('fnId') ?? ''] ?? { status: 500, body: '{}' };
      res.writeHead(a.status, headers);
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/api/inngest`;
  engine = await createEngine({
    redis: redis.url,
    backoffScale: 0.001,
    openTelemetry: false,
    maxResponseBytes: 4096,
    processor: { idleMaxMs: 50, lookaheadMs: 0 },
    log: () => {},
  });
  await engine.registerApp(appUrl);
});

afterAll(async () => {
  await engine?.close();
  raw?.disconnect();
  await new Promise<void>((r) => (fake ? fake.close(() => r()) : r()));
  await redis?.stop();
});

const keysNow = async () => (await raw.keys('*')).sort();

describe('bad input', () => {
  it('an event without a name is refused, naming the field, and nothing is stored', async () => {
    const before = await keysNow();
    const err = await engine
      .send([{ name: 'bad/bad-opcode', data: {} }, { data: { x: 1 } }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).message).toMatch(/events\[1\]\.name/);
    expect(await keysNow()).toEqual(before);
  });

  it.each([
    ['bad-notarray', /not a JSON array|array/i],
    ['bad-opcode', /Teleport/],
    ['bad-huge', /too-large|4096|larger|cap/i],
    // a known opcode durq does not run: on the last attempt the run fails, naming it
    ['bad-unsupported', /Gateway.*not supported/],
  ])(
    '%s: every attempt fails with an error naming what was wrong; no step is saved',
    async (fn, why) => {
      const { ids } = await engine.send({ name: `bad/${fn}`, data: {} });
      const [runId] = Object.keys(await engine.runsOf(ids[0] as string));
      const run = await engine.waitForRun(runId as string, { timeoutMs: 20_000 });
      expect(run.status).toBe('failed');
      expect(JSON.stringify(run.error)).toMatch(why);
      expect(run.steps).toEqual([]);
      expect(await raw.llen(`{durq}:run:${runId}:stack`)).toBe(0);
      expect(await raw.exists(`{durq}:run:${runId}:memo`)).toBe(0);
    },
  );

  it('a FunctionConfig with a bad field is refused with its path, and nothing is registered', async () => {
    const before = await raw.hgetall('{durq}:functions');
    const bad = {
      app_id: 'bad',
      functions: [fnConfig('bad-notarray'), { ...fnConfig('other'), triggers: [{ event: 7 }] }],
    };
    const err = await registerRaw(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidFunctionConfigError);
    expect((err as InvalidFunctionConfigError).path).toBe('functions[1].triggers[0].event');
    expect(await raw.hgetall('{durq}:functions')).toEqual(before);
  });
});

/** Registers a sync body through the fake app: it answers the PUT with `body`. */
async function registerRaw(body: unknown): Promise<unknown> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-inngest-sdk': 'fake:v0.0.1' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`;
    return await engine.registerApp(url);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
