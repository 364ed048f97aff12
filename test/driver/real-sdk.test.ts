/**
 * The driver against the real `inngest` SDK (4.24.0): an app served by `createServer` from
 * `inngest/node` in cloud mode (requests must be signed), in this process, on a free port.
 */
import { createHash } from 'node:crypto';
import { Inngest, NonRetriableError, RetryAfterError } from 'inngest';
import { createServer } from 'inngest/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { canonicalJson } from '../../src/driver/canonical-json.js';
import { HttpDriver } from '../../src/driver/driver.js';
import type { SdkCall, SdkResponse } from '../../src/driver/driver.js';
import { signatureHeader, verifySignatureHeader } from '../../src/driver/signing.js';
import { UndiciTransport } from '../../src/driver/undici-transport.js';
import { startLocalServer } from './helpers/local-server.js';
import type { LocalServer } from './helpers/local-server.js';

const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const WRONG_KEY = 'signkey-test-fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432';
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** The SDK reads INNGEST_* on every request; none may leak in from the environment. */
const savedEnv = Object.entries(process.env).filter(([k]) => k.startsWith('INNGEST_'));
for (const [k] of savedEnv) delete process.env[k];

/** The SDK logs every refused signature and thrown error; the tests check the answers instead. */
const quiet = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

const inngest = new Inngest({ id: 'drv-test', isDev: false, signingKey: KEY, logger: quiet });
const hello = inngest.createFunction(
  { id: 'hello', triggers: [{ event: 'demo/hello' }] },
  async ({ event, step }) => {
    const a = await step.run('a', () => 1);
    return { a, got: event.data as unknown };
  },
);
const fails = inngest.createFunction(
  { id: 'fails', retries: 2, triggers: [{ event: 'demo/fails' }] },
  ({ event }) => {
    if ((event.data as { final?: boolean }).final) throw new NonRetriableError('give up');
    throw new Error('boom');
  },
);
const flaky = inngest.createFunction(
  { id: 'flaky', triggers: [{ event: 'demo/flaky' }] },
  async ({ step }) => {
    await step.run('s', () => {
      throw new RetryAfterError('later', '30s');
    });
  },
);
const functions = [hello, fails, flaky];

let plain: LocalServer;
let streamed: LocalServer;
const clock = new SystemClock();
const drivers: HttpDriver[] = [];

function driver(signingKey = KEY): HttpDriver {
  const d = new HttpDriver({ transport: new UndiciTransport(), clock, signingKey });
  drivers.push(d);
  return d;
}

beforeAll(async () => {
  plain = await startLocalServer(createServer({ client: inngest, functions }));
  streamed = await startLocalServer(createServer({ client: inngest, functions, streaming: true }));
});
afterAll(async () => {
  for (const d of drivers) await d.close();
  await plain.close();
  await streamed.close();
  for (const [k, v] of savedEnv) process.env[k] = v;
});

const event = { name: 'demo/hello', data: { x: 1 }, id: '01EVT', ts: 1_700_000_000_000, user: {} };

/** A call to function `fn` with the memoized `steps` completed in `stack` order. */
function call(
  origin: string,
  fn: string,
  steps: Record<string, unknown> = {},
  extra: { attempt?: number; data?: unknown; requestVersion?: number } = {},
): SdkCall {
  const stack = Object.keys(steps);
  // SDK v4 checks the event against the function's triggers (400, no retry, when it is not).
  const ev = { ...event, name: `demo/${fn.replace('drv-test-', '')}` };
  if (extra.data !== undefined) ev.data = extra.data as typeof ev.data;
  return {
    url: `${origin}/api/inngest?fnId=${fn}&stepId=step`,
    stepId: 'step',
    runId: '01RUN',
    jobId: 'job-1',
    requestVersion: extra.requestVersion ?? -1,
    body: {
      event: ev,
      events: [ev],
      steps,
      ctx: {
        run_id: '01RUN',
        attempt: extra.attempt ?? 0,
        max_attempts: 3,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack, current: stack.length },
      },
      version: extra.requestVersion ?? -1,
      use_api: false,
    },
  };
}

interface FnConfig {
  id: string;
  steps: { step: { runtime: { url: string } } };
}

describe('the real SDK, cloud mode', () => {
  it('answers an in-band sync with its FunctionConfigs', async () => {
    const appUrl = `${plain.origin}/api/inngest`;
    const answer = (await driver().syncInBand(appUrl)) as { functions: FnConfig[] };
    const fn = answer.functions.find((f) => f.id === 'drv-test-hello');
    expect(fn).toBeDefined();
    const stepUrl = new URL(fn?.steps.step.runtime.url ?? '');
    expect(stepUrl.searchParams.get('fnId')).toBe('drv-test-hello');
    expect(stepUrl.searchParams.get('stepId')).toBe('step');
    expect(`${stepUrl.origin}${stepUrl.pathname}`).toBe(appUrl);
  });

  it('runs a function: discovery runs the lone step inline, then the memo completes it', async () => {
    const d = driver();
    const first = await d.execute(call(plain.origin, 'drv-test-hello'));
    expect(first).toMatchObject({
      kind: 'ops',
      noRetry: false,
      requestVersion: 2,
      ops: [{ op: 'StepRun', id: sha1('a'), data: 1, userland: { id: 'a' } }],
    });
    const steps = { [sha1('a')]: { data: 1 } };
    const second = await d.execute(
      call(plain.origin, 'drv-test-hello', steps, { requestVersion: 2 }),
    );
    expect(second).toMatchObject({
      kind: 'result',
      data: { a: 1, got: { x: 1 } },
      requestVersion: 2,
    });
  });

  it('reads the same answers through a 201 stream', async () => {
    const d = driver();
    const first = await d.execute(call(streamed.origin, 'drv-test-hello'));
    expect(first).toMatchObject({ kind: 'ops', ops: [{ op: 'StepRun', id: sha1('a') }] });
    const steps = { [sha1('a')]: { data: 1 } };
    const second = await d.execute(call(streamed.origin, 'drv-test-hello', steps));
    expect(second).toMatchObject({ kind: 'result', data: { a: 1, got: { x: 1 } } });
  });

  it('reports a thrown error as retriable, a NonRetriableError and the last attempt as not', async () => {
    const d = driver();
    const expectError = (res: SdkResponse) => {
      expect(res.kind).toBe('error');
      return res as Extract<SdkResponse, { kind: 'error' }>;
    };
    const retriable = expectError(await d.execute(call(plain.origin, 'drv-test-fails')));
    expect(retriable).toMatchObject({ reason: 'sdk', status: 500, retriable: true });
    expect(retriable.error).toMatchObject({ name: 'Error', message: 'boom' });
    const last = expectError(
      await d.execute(call(plain.origin, 'drv-test-fails', {}, { attempt: 2 })),
    );
    expect(last).toMatchObject({ reason: 'sdk', status: 400, retriable: false });
    const final = { data: { final: true } };
    const nonRetriable = expectError(
      await d.execute(call(plain.origin, 'drv-test-fails', {}, final)),
    );
    expect(nonRetriable).toMatchObject({ reason: 'sdk', retriable: false });
    expect(nonRetriable.error).toMatchObject({ name: 'NonRetriableError', message: 'give up' });
  });

  it('reports a step error as a StepError op, its Retry-After as retryAt', async () => {
    const before = clock.now();
    const res = await driver().execute(call(plain.origin, 'drv-test-flaky'));
    expect(res).toMatchObject({
      kind: 'ops',
      noRetry: false,
      ops: [
        { op: 'StepError', id: sha1('s'), error: { name: 'RetryAfterError', message: 'later' } },
      ],
    });
    const retryAt = res.kind === 'ops' ? (res.retryAt ?? 0) : 0;
    expect(retryAt).toBeGreaterThanOrEqual(before + 29_000);
    expect(retryAt).toBeLessThanOrEqual(clock.now() + 30_000);
  });

  it('refuses an event its triggers do not name, without retry', async () => {
    const res = await driver().execute({
      ...call(plain.origin, 'drv-test-fails'),
      url: `${plain.origin}/api/inngest?fnId=drv-test-hello&stepId=step`,
    });
    expect(res).toMatchObject({
      kind: 'error',
      reason: 'sdk',
      status: 400,
      retriable: false,
      error: { name: 'EventValidationError' },
    });
  });

  it('refuses a request signed with the wrong key: unauthorized', async () => {
    const res = await driver(WRONG_KEY).execute(call(plain.origin, 'drv-test-hello'));
    expect(res).toMatchObject({
      kind: 'error',
      reason: 'unauthorized',
      status: 401,
      retriable: true,
    });
    await expect(driver(WRONG_KEY).syncInBand(`${plain.origin}/api/inngest`)).rejects.toThrow(
      /401/,
    );
  });

  it('signs its answer so that verifySignatureHeader accepts it', async () => {
    const transport = new UndiciTransport();
    try {
      const body = canonicalJson(call(plain.origin, 'drv-test-hello').body);
      const now = Math.floor(clock.now() / 1000);
      const res = await transport.send({
        method: 'POST',
        url: `${plain.origin}/api/inngest?fnId=drv-test-hello&stepId=step`,
        headers: {
          'content-type': 'application/json',
          'x-inngest-signature': signatureHeader(body, KEY, now),
        },
        body,
        timeoutMs: 10_000,
        maxResponseBytes: 1 << 20,
      });
      expect(res.status).toBe(206);
      const sig = res.headers['x-inngest-signature'];
      expect(verifySignatureHeader(sig, res.body, [KEY], Math.floor(clock.now() / 1000))).toBe(
        true,
      );
      expect(
        verifySignatureHeader(sig, res.body, [WRONG_KEY], Math.floor(clock.now() / 1000)),
      ).toBe(false);
    } finally {
      await transport.close();
    }
  });
});
