import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { InvalidOptionError } from '../../src/core/errors.js';
import { SdkRequestError } from '../../src/driver/errors.js';
import type { HttpRequest } from '../../src/driver/http-transport.js';
import { UndiciTransport } from '../../src/driver/undici-transport.js';
import { closedPort, readBody, reply, startLocalServer } from './helpers/local-server.js';
import type { LocalServer } from './helpers/local-server.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function serve(handler: Parameters<typeof startLocalServer>[0]): Promise<LocalServer> {
  const s = await startLocalServer(handler);
  open.push(s);
  return s;
}

function transport(options?: ConstructorParameters<typeof UndiciTransport>[0]): UndiciTransport {
  const t = new UndiciTransport(options);
  open.push(t);
  return t;
}

function request(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: {},
    timeoutMs: 5_000,
    maxResponseBytes: 1 << 20,
    ...extra,
  };
}

/** The SdkRequestError `promise` rejects with; fails if it resolves or rejects otherwise. */
async function failure(promise: Promise<unknown>): Promise<SdkRequestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SdkRequestError);
  return err as SdkRequestError;
}

describe('UndiciTransport', () => {
  it('sends method, path with query, headers and body; returns status, headers and body', async () => {
    let seen: { method?: string; url?: string; headers?: object; body?: string } = {};
    const s = await serve(async (req, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body: await readBody(req) };
      res.setHeader('x-many', ['a', 'b']);
      reply(res, 500, { name: 'Error', message: 'boom' }, { 'X-Inngest-SDK': 'js:v4' });
    });
    const res = await transport().send(
      request(`${s.origin}/api/inngest?fnId=f&stepId=step`, {
        method: 'PUT',
        headers: { 'X-Run-ID': 'r1', 'Content-Type': 'application/json' },
        body: '{"a":"é"}',
      }),
    );
    expect(seen).toMatchObject({
      method: 'PUT',
      url: '/api/inngest?fnId=f&stepId=step',
      headers: { 'x-run-id': 'r1', 'content-type': 'application/json' },
      body: '{"a":"é"}',
    });
    expect(res.status).toBe(500);
    expect(res.body).toBe('{"name":"Error","message":"boom"}');
    expect(res.headers['x-inngest-sdk']).toBe('js:v4');
    expect(res.headers['x-many']).toBe('a, b');
    expect(Object.keys(res.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('reuses one keep-alive connection for requests in sequence', async () => {
    const s = await serve((_req, res) => reply(res, 200, 'ok'));
    const t = transport();
    for (let i = 0; i < 5; i++) {
      expect((await t.send(request(s.origin))).body).toBe('ok');
      // undici frees a connection a tick after its body ends (below).
      await new Promise((r) => setImmediate(r));
    }
    expect(s.connections()).toBe(1);
  });

  it('keeps reusing connections for requests sent back to back', async () => {
    const s = await serve((_req, res) => reply(res, 200, 'ok'));
    const t = transport();
    for (let i = 0; i < 20; i++) await t.send(request(s.origin));
    // A request sent in the tick its predecessor's body ended finds that connection still
    // busy and opens a second one; from then on the two alternate.
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it('opens at most connectionsPerOrigin connections to one origin', async () => {
    const s = await serve((_req, res) => setTimeout(() => reply(res, 200, 'ok'), 50));
    const t = transport({ connectionsPerOrigin: 2 });
    await Promise.all(Array.from({ length: 6 }, () => t.send(request(s.origin))));
    expect(s.connections()).toBe(2);
  });

  it('times out a response whose headers do not come', async () => {
    const s = await serve(() => undefined);
    const started = performance.now();
    const err = await failure(transport().send(request(s.origin, { timeoutMs: 200 })));
    expect(err.reason).toBe('timeout');
    expect(err.message).toContain(s.origin);
    expect(err.message).toContain('200 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('holds one deadline for headers and body: a body trickling forever times out', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    const err = await failure(transport().send(request(s.origin, { timeoutMs: 300 })));
    expect(err.reason).toBe('timeout');
  });

  it('takes its deadline from the clock it is given', async () => {
    const clock = new ManualClock();
    const s = await serve(() => undefined);
    const sent = transport({ clock }).send(request(s.origin, { timeoutMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(60_000);
    expect((await failure(sent)).reason).toBe('timeout');
  });

  it('holds a deadline past the timer limit (2^31 - 1 ms) without firing it at once', async () => {
    const s = await serve((_req, res) => setTimeout(() => reply(res, 200, 'late'), 100));
    const res = await transport().send(request(s.origin, { timeoutMs: 2 ** 32 }));
    expect(res.body).toBe('late');
  });

  it('aborts a streamed body as soon as it passes maxResponseBytes', async () => {
    let written = 0;
    let closed = false;
    const s = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        while (!closed && written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    const err = await failure(transport().send(request(s.origin, { maxResponseBytes: 100_000 })));
    expect(err.reason).toBe('too-large');
    expect(err.message).toContain('100000 bytes');
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses a body whose Content-Length is over the cap without reading it', async () => {
    const s = await serve((_req, res) => reply(res, 200, 'x'.repeat(2_000)));
    const err = await failure(transport().send(request(s.origin, { maxResponseBytes: 1_000 })));
    expect(err.reason).toBe('too-large');
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    const s = await serve((_req, res) => reply(res, 200, 'x'.repeat(1_000)));
    const res = await transport().send(request(s.origin, { maxResponseBytes: 1_000 }));
    expect(res.body).toHaveLength(1_000);
  });

  it('reports a refused connection as reason connect, naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/inngest`;
    const err = await failure(transport().send(request(url)));
    expect(err.reason).toBe('connect');
    expect(err.message).toContain(url);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('reports a connection closed without an answer as reason network', async () => {
    const s = await serve((req) => req.socket.destroy());
    const err = await failure(transport().send(request(s.origin)));
    expect(err.reason).toBe('network');
  });

  it('aborts on the caller signal, before or during the request', async () => {
    const s = await serve(() => undefined);
    const t = transport();
    expect((await failure(t.send(request(s.origin, { signal: AbortSignal.abort() })))).reason).toBe(
      'aborted',
    );
    const ac = new AbortController();
    const sent = t.send(request(s.origin, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    expect((await failure(sent)).reason).toBe('aborted');
  });

  it('refuses a URL that is not http(s) with an SdkRequestError', async () => {
    expect((await failure(transport().send(request('ftp://x/')))).reason).toBe('connect');
    expect((await failure(transport().send(request('not a url')))).reason).toBe('connect');
  });

  it('validates its options', () => {
    for (const bad of [
      { connectTimeoutMs: 0 },
      { keepAliveTimeoutMs: -1 },
      { connectionsPerOrigin: 1.5 },
      { connectionsPerOrigin: Number.NaN },
    ]) {
      expect(() => new UndiciTransport(bad), JSON.stringify(bad)).toThrow(InvalidOptionError);
    }
  });
});
