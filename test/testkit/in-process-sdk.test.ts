import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inngest } from 'inngest';
import { createEngine, type Engine } from '../../src/index.js';
import { inProcessApp, InProcessTransport, withoutTiming } from '../../testkit/in-process-sdk.js';
import { startRedisServer, type RedisServer } from '../../testkit/redis-server.js';

/**
 * The real SDK called in-process (no sockets) through durq's HttpTransport seam: an engine runs
 * a chain and a fan-in on it, and the SDK's answers are deterministic once `timing` is dropped
 * (the same requests to a fresh app give the same responses), which the simulator relies on.
 */
const functions = (inngest: Inngest) => [
  inngest.createFunction(
    { id: 'chain', triggers: [{ event: 'ip/chain' }] },
    async ({ event, step }) => {
      const a = await step.run('a', () => (event.data.n as number) + 1);
      const b = await step.run('b', () => a * 2);
      return { a, b };
    },
  ),
  inngest.createFunction({ id: 'fan', triggers: [{ event: 'ip/fan' }] }, async ({ step }) => {
    const parts = await Promise.all(['x', 'y'].map((k) => step.run(k, () => k)));
    await step.sleep('rest', '1s');
    return parts.join('');
  }),
];

let redis: RedisServer;
let engine: Engine;
let transport: InProcessTransport;

beforeAll(async () => {
  redis = await startRedisServer();
  const app = inProcessApp({ host: 'app.sim', appId: 'ip', functions });
  transport = new InProcessTransport([app]);
  engine = await createEngine({
    redis: redis.url,
    httpTransport: transport,
    openTelemetry: false,
    processor: { idleMaxMs: 50, lookaheadMs: 0 },
  });
  await engine.registerApp(app.url);
});

afterAll(async () => {
  await engine?.close();
  await redis?.stop();
});

describe('the real SDK in-process', () => {
  it('runs a chain and a fan-in through the transport, with no socket', async () => {
    const chain = await engine.send({ name: 'ip/chain', data: { n: 1 } });
    const fan = await engine.send({ name: 'ip/fan', data: {} });
    const [chainRun] = Object.keys(await engine.runsOf(chain.ids[0] as string));
    const [fanRun] = Object.keys(await engine.runsOf(fan.ids[0] as string));
    expect((await engine.waitForRun(chainRun as string)).output).toEqual({ a: 2, b: 4 });
    expect((await engine.waitForRun(fanRun as string, { timeoutMs: 10_000 })).output).toBe('xy');
  });

  it('is deterministic: the same requests to a fresh app give the same answers, timing aside', async () => {
    const posts = transport.exchanges.filter((x) => x.request.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(6);
    const fresh = new InProcessTransport([
      inProcessApp({ host: 'app.sim', appId: 'ip', functions }),
    ]);
    for (const { request, response } of posts) {
      const again = await fresh.send(request);
      expect(again.status).toBe(response.status);
      expect(withoutTiming(again.body)).toEqual(withoutTiming(response.body));
    }
  });

  it('a request to an origin with no app fails as a refused connection', async () => {
    await expect(
      transport.send({
        method: 'POST',
        url: 'http://nowhere.sim/api/inngest',
        headers: {},
        body: '{}',
        timeoutMs: 1000,
        maxResponseBytes: 1024,
      }),
    ).rejects.toMatchObject({ code: 'SDK_REQUEST_FAILED', reason: 'connect' });
  });
});
