import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Inngest } from 'inngest';
import { interferingEnv, startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';
import {
  callBody,
  postCall,
  sendToApp,
  stepIdHash,
  syncInBand,
} from '../../testkit/sdk-protocol.js';

const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const FALLBACK = 'signkey-test-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';

/** One function, one step: `a` returns 1, the function returns a + 1. */
const oneStep = (inngest: Inngest) => [
  inngest.createFunction({ id: 'one', triggers: [{ event: 'test/one' }] }, async ({ step }) => {
    const a = await step.run('a', () => 1);
    return { result: a + 1 };
  }),
];

const event = { name: 'test/one', data: { x: 1 }, id: 'evt-1', ts: 1_700_000_000_000 };

let apps: SdkApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  apps = [];
  vi.unstubAllEnvs();
});

async function start(opts: Parameters<typeof startSdkApp>[0]): Promise<SdkApp> {
  const app = await startSdkApp(opts);
  apps.push(app);
  return app;
}

interface FnConfig {
  id: string;
  triggers: unknown[];
  steps: { step: { runtime: { url: string } } };
}

describe('startSdkApp (in-process real SDK app)', () => {
  it('dev mode: syncs in band, discovers a step, finishes with the memo', async () => {
    const app = await start({ appId: 'devapp', functions: oneStep });
    expect(app.url).toBe(`http://127.0.0.1:${app.port}/api/inngest`);

    const config = await syncInBand(app.url);
    expect(config['app_id']).toBe('devapp');
    expect(config['url']).toBe(app.url);
    const fns = config['functions'] as FnConfig[];
    expect(fns.map((f) => f.id)).toEqual(['devapp-one']);
    expect(fns[0]?.triggers).toEqual([{ event: 'test/one' }]);
    expect(fns[0]?.steps.step.runtime.url).toBe(`${app.url}?fnId=devapp-one&stepId=step`);

    const discovery = await postCall(app.url, {
      fnId: 'devapp-one',
      body: callBody({ event, runId: 'run-dev' }),
    });
    expect(discovery.status).toBe(206);
    expect(discovery.headers['x-inngest-sdk']).toBe('inngest-js:v4.24.0');
    expect(discovery.headers['x-inngest-signature']).toBeUndefined(); // dev mode signs nothing
    const ops = discovery.body as { id: string; op: string; data: unknown }[];
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ id: stepIdHash('a'), op: 'StepRun', data: 1 });

    const done = await postCall(app.url, {
      fnId: 'devapp-one',
      body: callBody({
        event,
        runId: 'run-dev',
        steps: { [stepIdHash('a')]: { data: 1 } },
        stack: [stepIdHash('a')],
      }),
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ result: 2 });

    expect(app.requests.map((r) => [r.method, r.fnId, r.stepId, r.status])).toEqual([
      ['PUT', null, null, 200],
      ['POST', 'devapp-one', 'step', 206],
      ['POST', 'devapp-one', 'step', 200],
    ]);
    const [put, post] = app.requests;
    expect(put?.headers['x-inngest-sync-kind']).toBe('in_band');
    expect(put?.body).toEqual({ url: app.url });
    expect(post?.url).toBe('/api/inngest?fnId=devapp-one&stepId=step');
    expect(post?.headers['x-run-id']).toBe('run-dev');
    expect((post?.body as { ctx: { run_id: string } }).ctx.run_id).toBe('run-dev');
    expect(post?.responseBody).toEqual(discovery.body);
    expect(post?.responseHeaders?.['x-inngest-req-version']).toBe('2');
  });

  it('signed mode: verifies signatures on sync and calls, signs its replies', async () => {
    const app = await start({ appId: 'signed', signingKey: KEY, functions: oneStep });

    await expect(syncInBand(app.url)).rejects.toThrow(/answered 401/);
    const config = await syncInBand(app.url, { signingKey: KEY });
    expect(config['sdk_version']).toBe('4.24.0'); // only filled in when authenticated
    expect((config['functions'] as FnConfig[]).map((f) => f.id)).toEqual(['signed-one']);

    const body = callBody({ event, runId: 'run-signed' });
    const discovery = await postCall(app.url, { fnId: 'signed-one', body, signingKey: KEY });
    expect(discovery.status).toBe(206);
    expect(discovery.headers['x-inngest-signature']).toMatch(/^t=\d+&s=[0-9a-f]{64}$/);
    expect((discovery.body as { id: string; op: string }[])[0]).toMatchObject({
      id: stepIdHash('a'),
      op: 'StepRun',
    });

    const unsigned = await postCall(app.url, { fnId: 'signed-one', body });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toEqual({ message: 'Unauthorized' });
    const wrongKey = await postCall(app.url, { fnId: 'signed-one', body, signingKey: FALLBACK });
    expect(wrongKey.status).toBe(401);
    expect((await sendToApp(app.url, { method: 'GET' })).status).toBe(401);
    expect(app.requests.map((r) => r.status)).toEqual([401, 200, 206, 401, 401, 401]);
  });

  it('signed mode accepts the fallback key', async () => {
    const app = await start({ signingKey: KEY, signingKeyFallback: FALLBACK, functions: oneStep });
    const body = callBody({ event, runId: 'run-fallback' });
    const reply = await postCall(app.url, { fnId: 'sdkapp-one', body, signingKey: FALLBACK });
    expect(reply.status).toBe(206);
  });

  it('sends events to eventApiUrl', async () => {
    const received: { url: string; body: unknown }[] = [];
    const engine = createServer((req, res) => {
      let text = '';
      req.on('data', (b: Buffer) => (text += b.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ids: ['id-1'], status: 200 }));
      });
    });
    await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
    const address = engine.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const dev = await start({ eventApiUrl: `http://127.0.0.1:${port}/`, functions: () => [] });
      expect(await dev.client.send({ name: 'test/sent', data: { n: 1 } })).toEqual({
        ids: ['id-1'],
      });
      const cloud = await start({
        eventApiUrl: `http://127.0.0.1:${port}/`,
        signingKey: KEY,
        eventKey: 'my-key',
        functions: () => [],
      });
      await cloud.client.send({ name: 'test/sent', data: { n: 2 } });
      expect(received.map((r) => r.url)).toEqual(['/e/NO_EVENT_KEY_SET', '/e/my-key']);
      expect(received[0]?.body).toMatchObject([{ name: 'test/sent', data: { n: 1 } }]);
    } finally {
      engine.closeAllConnections();
      await new Promise((r) => engine.close(r));
    }
  });

  it('refuses environment variables that no client option overrides', async () => {
    expect(interferingEnv({}, { INNGEST_STREAMING: 'true', INNGEST_DEV: '1' })).toEqual([
      'INNGEST_STREAMING',
    ]);
    expect(interferingEnv({}, { INNGEST_SIGNING_KEY: KEY, INNGEST_EVENT_KEY: 'k' })).toEqual([
      'INNGEST_SIGNING_KEY',
      'INNGEST_EVENT_KEY',
    ]);
    expect(interferingEnv({ signingKey: KEY }, { INNGEST_SIGNING_KEY: KEY })).toEqual([]);
    expect(interferingEnv({ signingKey: KEY }, { INNGEST_SIGNING_KEY_FALLBACK: KEY })).toEqual([
      'INNGEST_SIGNING_KEY_FALLBACK',
    ]);
    vi.stubEnv('INNGEST_ALLOW_IN_BAND_SYNC', 'false');
    await expect(startSdkApp({ functions: oneStep })).rejects.toThrow(
      /INNGEST_ALLOW_IN_BAND_SYNC set in the environment/,
    );
  });

  it('is still reached by an env var set after its start (the SDK reads env per request)', async () => {
    const app = await start({ functions: oneStep });
    const body = callBody({ event, runId: 'run-env' });
    expect((await postCall(app.url, { fnId: 'sdkapp-one', body })).status).toBe(206);
    vi.stubEnv('INNGEST_STREAMING', 'true');
    expect((await postCall(app.url, { fnId: 'sdkapp-one', body })).status).toBe(201);
  });

  it('ignores the env vars it overrides (INNGEST_DEV, base URLs, serve origin)', async () => {
    vi.stubEnv('INNGEST_DEV', '0');
    vi.stubEnv('INNGEST_BASE_URL', 'http://127.0.0.1:9/');
    vi.stubEnv('INNGEST_SERVE_ORIGIN', 'http://elsewhere.example');
    vi.stubEnv('INNGEST_SERVE_PATH', '/elsewhere');
    const app = await start({ appId: 'envapp', functions: oneStep });
    const config = await syncInBand(app.url); // dev mode despite INNGEST_DEV=0: no signature
    const fns = config['functions'] as FnConfig[];
    expect(fns[0]?.steps.step.runtime.url).toBe(`${app.url}?fnId=envapp-one&stepId=step`);
  });

  it('reports a port in use, and stop closes the port', async () => {
    const app = await start({ functions: oneStep });
    await expect(startSdkApp({ functions: oneStep, port: app.port })).rejects.toThrow(
      `port ${app.port} on 127.0.0.1 is in use`,
    );
    await sendToApp(app.url, { method: 'GET' }); // leaves a keep-alive connection open
    await app.stop();
    await app.stop(); // idempotent
    await expect(fetch(app.url)).rejects.toThrow();
    const again = await start({ functions: oneStep, port: app.port });
    expect(again.port).toBe(app.port);
  });

  it('answers 404 off the serve path', async () => {
    const app = await start({ functions: oneStep });
    const res = await fetch(`http://127.0.0.1:${app.port}/other`);
    expect(res.status).toBe(404);
    expect(app.requests).toEqual([]);
  });
});
