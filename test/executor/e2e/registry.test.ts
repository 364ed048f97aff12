import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createEngine, type Engine } from '../../../src/executor/engine.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { startSdkApp, type SdkApp } from '../../../testkit/sdk-app.js';

/**
 * The registry with the real SDK: an app's functions are shared by every engine on the Redis,
 * and re-registering replaces them atomically (a removed function is no longer triggered).
 */
let redis: RedisServer;
let raw: Redis;
let first: Engine;
let second: Engine;
const apps: SdkApp[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url);
  const opts = { redis: redis.url, openTelemetry: false, processor: { idleMaxMs: 50 } };
  first = await createEngine(opts);
  second = await createEngine({ ...opts, process: false });
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await first?.close();
  await second?.close();
  raw?.disconnect();
  await redis?.stop();
});

describe('registry', () => {
  it('re-registering an app replaces its functions; a removed one is no longer triggered', async () => {
    const v1 = await startSdkApp({
      appId: 'reg',
      functions: (inngest) => [
        inngest.createFunction({ id: 'a', triggers: [{ event: 'reg/a' }] }, async () => 'a1'),
        inngest.createFunction({ id: 'b', triggers: [{ event: 'reg/b' }] }, async () => 'b1'),
      ],
    });
    apps.push(v1);
    expect((await first.registerApp(v1.url)).functions.sort()).toEqual(['reg-a', 'reg-b']);
    // Another engine on the same Redis sees them: its send starts runs the first one executes.
    const { ids } = await second.send({ name: 'reg/b', data: {} });
    const [runB] = Object.keys(await second.runsOf(ids[0] as string));
    expect((await second.waitForRun(runB as string)).output).toBe('b1');

    const v2 = await startSdkApp({
      appId: 'reg',
      functions: (inngest) => [
        inngest.createFunction({ id: 'a', triggers: [{ event: 'reg/a' }] }, async () => 'a2'),
      ],
    });
    apps.push(v2);
    expect((await second.registerApp(v2.url)).functions).toEqual(['reg-a']);
    expect(Object.keys(await raw.hgetall('{durq}:functions'))).toEqual(['reg-a']);
    const none = await first.send({ name: 'reg/b', data: {} });
    expect(await first.runsOf(none.ids[0] as string)).toEqual({});
    const { ids: aIds } = await first.send({ name: 'reg/a', data: {} });
    const [runA] = Object.keys(await first.runsOf(aIds[0] as string));
    expect((await first.waitForRun(runA as string)).output).toBe('a2');
  });
});
