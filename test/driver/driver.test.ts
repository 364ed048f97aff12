import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HttpDriver } from '../../src/driver/driver.js';
import type { HttpDriverOptions, SdkCall, SdkResponse } from '../../src/driver/driver.js';
import { SdkRequestError } from '../../src/driver/errors.js';
import { verifySignatureHeader } from '../../src/driver/signing.js';
import { UndiciTransport } from '../../src/driver/undici-transport.js';
import { SDK_HEADERS, sdkReply, startFakeSdk } from './helpers/fake-sdk.js';
import type { FakeSdk } from './helpers/fake-sdk.js';
import { closedPort } from './helpers/local-server.js';

const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const KEY2 = 'signkey-test-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';
const NOW = 1_700_000_000_000;

let sdk: FakeSdk;
let clock: ManualClock;
const drivers: HttpDriver[] = [];

beforeAll(async () => {
  sdk = await startFakeSdk();
});
afterAll(async () => {
  for (const d of drivers) await d.close();
  await sdk.close();
});
beforeEach(() => {
  sdk.received.length = 0;
  clock = new ManualClock(NOW);
});

function driver(options: Partial<HttpDriverOptions> = {}): HttpDriver {
  const d = new HttpDriver({ transport: new UndiciTransport(), clock, ...options });
  drivers.push(d);
  return d;
}

function call(extra: Partial<SdkCall> = {}): SdkCall {
  return {
    url: `${sdk.origin}/api/inngest?fnId=app-fn&stepId=step&keep=1`,
    stepId: 'step',
    runId: '01RUN',
    jobId: 'job-1',
    requestVersion: -1,
    body: {
      event: { name: 'demo/hello', data: { z: 1, a: 2 } },
      events: [{ name: 'demo/hello', data: { z: 1, a: 2 } }],
      steps: {},
      ctx: {
        run_id: '01RUN',
        attempt: 0,
        max_attempts: 5,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack: [], current: 0 },
      },
      version: -1,
      use_api: false,
    },
    ...extra,
  };
}

function expectError(res: SdkResponse): Extract<SdkResponse, { kind: 'error' }> {
  expect(res.kind).toBe('error');
  return res as Extract<SdkResponse, { kind: 'error' }>;
}

describe('HttpDriver.execute: the request', () => {
  it('POSTs the canonical body to the step URL with stepId set, the other params kept', async () => {
    await driver().execute(call({ stepId: 'abc123' }));
    const [req] = sdk.received;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/inngest?fnId=app-fn&stepId=abc123&keep=1');
    expect(req?.body).toBe(
      '{"ctx":{"attempt":0,"disable_immediate_execution":false,"max_attempts":5,' +
        '"run_id":"01RUN","stack":{"current":0,"stack":[]},"use_api":false},' +
        '"event":{"data":{"a":2,"z":1},"name":"demo/hello"},' +
        '"events":[{"data":{"a":2,"z":1},"name":"demo/hello"}],"steps":{},"use_api":false,"version":-1}',
    );
  });

  it('adds stepId when the URL has none', async () => {
    await driver().execute(call({ url: `${sdk.origin}/api/inngest?fnId=app-fn` }));
    expect(sdk.received[0]?.url).toBe('/api/inngest?fnId=app-fn&stepId=step');
  });

  it('sends the protocol headers, unsigned and as dev without a key', async () => {
    await driver().execute(call({ requestVersion: 2 }));
    expect(sdk.received[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-run-id': '01RUN',
      'x-inngest-step-id': 'step',
      'x-inngest-job-id': 'job-1',
      'x-inngest-req-version': '2',
      'x-inngest-server-kind': 'dev',
    });
    expect(sdk.received[0]?.headers['x-inngest-signature']).toBeUndefined();
  });

  it('signs the exact body with the key and the clock, as cloud by default', async () => {
    await driver({ signingKey: KEY }).execute(call());
    const [req] = sdk.received;
    const header = req?.headers['x-inngest-signature'] as string;
    expect(header).toMatch(/^t=1700000000&s=[0-9a-f]{64}$/);
    expect(verifySignatureHeader(header, req?.body ?? '', [KEY], NOW / 1000)).toBe(true);
    expect(req?.headers['x-inngest-server-kind']).toBe('cloud');
  });

  it('lets serverKind be set either way', async () => {
    await driver({ signingKey: KEY, serverKind: 'dev' }).execute(call());
    expect(sdk.received[0]?.headers['x-inngest-server-kind']).toBe('dev');
  });

  it('refuses a call whose URL is not http(s)', async () => {
    await expect(driver().execute(call({ url: 'nope' }))).rejects.toThrow(/call\.url/);
  });
});

describe('HttpDriver.execute: the answer', () => {
  it('200 is the result, with the request version and the timing on the clock', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, { a: 1, got: 'x' });
    const res = await driver().execute(call());
    expect(res).toEqual({
      kind: 'result',
      data: { a: 1, got: 'x' },
      requestVersion: 2,
      timing: { sentAt: NOW, receivedAt: NOW, durationMs: 0 },
    });
  });

  it('200 with an empty body is null; a bare scalar is kept', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, '');
    expect(await driver().execute(call())).toMatchObject({ kind: 'result', data: null });
    sdk.respond = (_r, res) => sdkReply(res, 200, '"done"');
    expect(await driver().execute(call())).toMatchObject({ kind: 'result', data: 'done' });
  });

  it('takes only a numeric X-Inngest-Req-Version', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, 1, { 'x-inngest-req-version': 'two' });
    const res = await driver().execute(call());
    expect(res.kind === 'result' && res.requestVersion).toBeUndefined();
  });

  it('200 that is not JSON is an invalid response, retriable', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, '<html>');
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'invalid-response', retriable: true, status: 200 });
    expect(res.error.message).toContain('not JSON');
  });

  it('206 gives the opcodes', async () => {
    const ops = [{ op: 'StepRun', id: 'ca978112', name: 'a', data: 1, timing: { a: 1 } }];
    sdk.respond = (_r, res) => sdkReply(res, 206, ops);
    expect(await driver().execute(call())).toMatchObject({
      kind: 'ops',
      ops,
      noRetry: false,
      requestVersion: 2,
    });
  });

  it('206 carries the retry headers a StepError op goes by', async () => {
    const ops = [{ op: 'StepError', id: 'x', error: { name: 'Error', message: 'boom' } }];
    sdk.respond = (_r, res) =>
      sdkReply(res, 206, ops, { 'x-inngest-no-retry': 'false', 'retry-after': '30' });
    expect(await driver().execute(call())).toMatchObject({
      kind: 'ops',
      noRetry: false,
      retryAt: NOW + 30_000,
    });
    sdk.respond = (_r, res) => sdkReply(res, 206, ops, { 'x-inngest-no-retry': 'true' });
    const res = await driver().execute(call());
    expect(res).toMatchObject({ kind: 'ops', noRetry: true });
    expect(res.kind === 'ops' && 'retryAt' in res).toBe(false);
  });

  it('206 that is not opcodes is an invalid response naming what is wrong', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 206, [{ op: 'Bogus', id: 'x' }]);
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'invalid-response', retriable: true, status: 206 });
    expect(res.error.message).toContain('opcode 0 has unknown op "Bogus"');
    expect(res.error.message).toContain(sdk.origin);
  });

  it('500 with no-retry false is a retriable sdk error carrying the serialized error', async () => {
    const error = {
      name: 'Error',
      message: 'boom',
      stack: 'Error: boom\n  at x',
      __serialized: true,
    };
    sdk.respond = (_r, res) => sdkReply(res, 500, error, { 'x-inngest-no-retry': 'false' });
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'sdk', status: 500, retriable: true, error });
    expect('retryAt' in res).toBe(false);
  });

  it('400 with no-retry true is not retriable', async () => {
    const error = { name: 'NonRetriableError', message: 'stop' };
    sdk.respond = (_r, res) => sdkReply(res, 400, error, { 'x-inngest-no-retry': 'true' });
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'sdk', status: 400, retriable: false, error });
  });

  it('an error status without X-Inngest-No-Retry is retriable, a 4xx too', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 400, { name: 'Error', message: 'x' });
    expect(expectError(await driver().execute(call())).retriable).toBe(true);
  });

  it('Retry-After on an error sets retryAt, seconds or a date', async () => {
    sdk.respond = (_r, res) =>
      sdkReply(res, 500, { name: 'RetryAfterError', message: 'later' }, { 'retry-after': '30' });
    expect(expectError(await driver().execute(call())).retryAt).toBe(NOW + 30_000);
    const at = '2023-11-14T22:23:20.000Z';
    sdk.respond = (_r, res) => sdkReply(res, 500, { message: 'later' }, { 'retry-after': at });
    expect(expectError(await driver().execute(call())).retryAt).toBe(Date.parse(at));
  });

  it('an error body that is not a serialized error gets defaults, raw text as message', async () => {
    const cases: [string, { name: string; message: string }][] = [
      ['{"code":"internal_server_error"}', { name: 'Error', message: 'Function execution error' }],
      ['Bad Gateway', { name: 'Error', message: 'Bad Gateway' }],
      ['', { name: 'Error', message: 'Function execution error' }],
      ['[1,2]', { name: 'Error', message: 'Function execution error' }],
      [
        '{"error":"Could not find step","requestedStep":"x"}',
        { name: 'Error', message: 'Could not find step' },
      ],
    ];
    for (const [body, expected] of cases) {
      sdk.respond = (_r, res) => sdkReply(res, 500, body);
      const res = expectError(await driver().execute(call()));
      expect(res.error, body).toMatchObject(expected);
    }
  });

  it('a 2xx the protocol does not use is an invalid response', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 202, '{}');
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'invalid-response', status: 202, retriable: true });
  });

  it('an answer without X-Inngest-SDK is non-sdk and retriable, a 2xx included', async () => {
    for (const [status, body] of [
      [200, '{"ok":true}'],
      [206, '[]'],
      [502, 'Bad Gateway'],
      [400, '{}'],
    ] as const) {
      sdk.respond = (_r, res) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      };
      const res = expectError(await driver().execute(call()));
      expect(res, String(status)).toMatchObject({ reason: 'non-sdk', retriable: true, status });
      expect(res.error.message).toContain('X-Inngest-SDK');
    }
  });
});

describe('HttpDriver.execute: streamed answers (201)', () => {
  /** Answers 201, sends `spaces` keep-alive bytes 20 ms apart, then `envelope`. */
  function stream(envelope: unknown, spaces = 3, headers: Record<string, string> = SDK_HEADERS) {
    sdk.respond = (_r, res) => {
      res.writeHead(201, headers);
      let sent = 0;
      const tick = (): void => {
        if (sent++ < spaces) {
          res.write(' ');
          setTimeout(tick, 20);
        } else res.end(typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
      };
      tick();
    };
  }

  it('unwraps the envelope and reads the inner 206', async () => {
    const ops = [{ op: 'StepRun', id: 'x', data: 1 }];
    stream({
      status: 206,
      headers: { 'X-Inngest-SDK': 'js:v4', 'X-Inngest-Req-Version': '2' },
      body: JSON.stringify(ops),
      version: 2,
    });
    expect(await driver().execute(call())).toMatchObject({ kind: 'ops', ops, requestVersion: 2 });
  });

  it('unwraps an inner 200 and an inner error with its retry headers', async () => {
    stream({ status: 200, headers: {}, body: '{"a":1}', version: 1 });
    expect(await driver().execute(call())).toMatchObject({
      kind: 'result',
      data: { a: 1 },
      requestVersion: 2,
    });
    stream({
      status: 400,
      headers: { 'X-Inngest-No-Retry': 'true' },
      body: '{"name":"NonRetriableError","message":"no"}',
    });
    expect(await driver().execute(call())).toMatchObject({
      kind: 'error',
      reason: 'sdk',
      status: 400,
      retriable: false,
      error: { name: 'NonRetriableError', message: 'no' },
    });
  });

  it('a stream that does not end in an envelope is an invalid response', async () => {
    stream('{"status":', 1);
    const res = expectError(await driver().execute(call()));
    expect(res).toMatchObject({ reason: 'invalid-response', retriable: true });
    expect(res.error.message).toContain('201 stream');
    stream({ headers: {}, body: '' }, 0);
    expect(expectError(await driver().execute(call())).reason).toBe('invalid-response');
  });

  it('an inner 401 is unauthorized', async () => {
    stream({ status: 401, headers: {}, body: '{"message":"Unauthorized"}' }, 1);
    expect(expectError(await driver().execute(call()))).toMatchObject({
      reason: 'unauthorized',
      status: 401,
    });
  });

  it('a 201 from something that is not an SDK is non-sdk', async () => {
    stream('Created', 0, { 'content-type': 'text/plain' });
    expect(expectError(await driver().execute(call())).reason).toBe('non-sdk');
  });
});

describe('HttpDriver.execute: 401 and the fallback key', () => {
  /** Answers 401 (as the SDK does: its x-inngest-* headers stripped) unless signed by `key`. */
  function acceptOnly(key: string): void {
    sdk.respond = (req, res) => {
      const sig = req.headers['x-inngest-signature'] as string | undefined;
      if (verifySignatureHeader(sig, req.body, [key], NOW / 1000)) sdkReply(res, 200, '"ok"');
      else {
        res.writeHead(401, { 'content-type': 'application/json', 'x-inngest-sdk-handled': 'true' });
        res.end('{"message":"Unauthorized"}');
      }
    };
  }

  it('401 is unauthorized and retriable', async () => {
    acceptOnly(KEY2);
    const res = expectError(await driver({ signingKey: KEY }).execute(call()));
    expect(res).toMatchObject({ reason: 'unauthorized', status: 401, retriable: true });
    expect(res.error.message).toContain('Unauthorized');
    expect(sdk.received).toHaveLength(1);
  });

  it('retries once with the fallback key after a 401', async () => {
    acceptOnly(KEY2);
    const res = await driver({ signingKey: KEY, signingKeyFallback: KEY2 }).execute(call());
    expect(res).toMatchObject({ kind: 'result', data: 'ok' });
    expect(sdk.received).toHaveLength(2);
    expect(sdk.received[0]?.body).toBe(sdk.received[1]?.body);
  });

  it('does not use the fallback key when the primary one works', async () => {
    acceptOnly(KEY);
    await driver({ signingKey: KEY, signingKeyFallback: KEY2 }).execute(call());
    expect(sdk.received).toHaveLength(1);
  });

  it('is unauthorized when both keys are refused, after two requests', async () => {
    acceptOnly('signkey-test-00');
    const res = await driver({ signingKey: KEY, signingKeyFallback: KEY2 }).execute(call());
    expect(expectError(res).reason).toBe('unauthorized');
    expect(sdk.received).toHaveLength(2);
  });
});

describe('HttpDriver.execute: transport failures', () => {
  it('a refused connection is a retriable network error naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/inngest?fnId=f`;
    const res = expectError(await driver().execute(call({ url })));
    expect(res).toMatchObject({ reason: 'network', retriable: true });
    expect(res.status).toBeUndefined();
    expect(res.error.message).toContain('127.0.0.1');
    expect(res.error.name).toBe('SdkRequestError');
  });

  it('no answer within requestTimeoutMs is a retriable timeout', async () => {
    sdk.respond = () => undefined;
    const transport = new UndiciTransport({ clock });
    const d = new HttpDriver({ transport, clock, requestTimeoutMs: 60_000 });
    drivers.push(d);
    const pending = d.execute(call());
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(60_000);
    const res = expectError(await pending);
    expect(res).toMatchObject({ reason: 'timeout', retriable: true });
    expect(res.timing.durationMs).toBe(60_000);
  });

  it('a body over maxResponseBytes is a retriable too-large error', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, 'x'.repeat(5_000));
    const res = expectError(await driver({ maxResponseBytes: 1_000 }).execute(call()));
    expect(res).toMatchObject({ reason: 'too-large', retriable: true });
  });

  it('rejects with an aborted SdkRequestError when the call signal aborts', async () => {
    sdk.respond = () => undefined;
    const ac = new AbortController();
    const pending = driver().execute(call({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    const err: unknown = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkRequestError);
    expect((err as SdkRequestError).reason).toBe('aborted');
  });
});
