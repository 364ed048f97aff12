import { afterAll, beforeAll } from 'vitest';
import type { Inngest, InngestFunction } from 'inngest';
import { createEngine, type Engine, type EngineOptions } from '../../../src/executor/engine.js';
import { startEventApi, type EventApi } from '../../../testkit/event-api.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { startSdkApp, type SdkApp } from '../../../testkit/sdk-app.js';

export const SIGNING_KEY =
  'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

export type Mode = 'dev' | 'signed';

export interface E2E {
  engine: Engine;
  app: SdkApp;
  redis: RedisServer;
  events: EventApi;
  /** Sends one event and resolves to the IDs of the runs it started. */
  trigger(name: string, data?: Record<string, unknown>, id?: string): Promise<string[]>;
}

/**
 * One private redis-server, one engine (dev or signed mode) and one real SDK app serving
 * `functions`, registered in band, for a test file. Retries are fast (backoff scaled down).
 */
export function useE2E(
  mode: Mode,
  appId: string,
  functions: (inngest: Inngest) => InngestFunction.Any[],
  engineOptions: Partial<EngineOptions> = {},
): E2E {
  const h = {} as E2E;
  beforeAll(async () => {
    h.redis = await startRedisServer();
    const signing = mode === 'signed' ? { signingKey: SIGNING_KEY } : {};
    h.engine = await createEngine({
      redis: h.redis.url,
      backoffScale: 0.001,
      openTelemetry: false,
      processor: { idleMaxMs: 50, lookaheadMs: 0 },
      ...signing,
      ...engineOptions,
    });
    h.events = await startEventApi(h.engine);
    h.app = await startSdkApp({ appId, functions, eventApiUrl: h.events.url, ...signing });
    await h.engine.registerApp(h.app.url);
    h.trigger = async (name, data = {}, id) => {
      const { ids } = await h.engine.send({ name, data, ...(id ? { id } : {}) });
      return Object.keys(await h.engine.runsOf(ids[0] as string));
    };
  }, 60_000);
  afterAll(async () => {
    await h.app?.stop();
    await h.engine?.close();
    await h.events?.stop();
    await h.redis?.stop();
  });
  return h;
}
