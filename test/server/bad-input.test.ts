/**
 * Issue 13, "Bad input": the built `durq serve` in production mode (signing and event keys) on a
 * Redis the test reads (`--redis`, useRedis), with small `--max-request-bytes` and
 * `--max-event-bytes`. Each bad request gets its status and a message that names the problem, and
 * Redis holds nothing new after it (every key's type and size, and DBSIZE, as before). Also the
 * CLI's usage errors: exit code 2 and a message that names the option.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inngest, InngestFunction } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  runDurq,
  startDurqServe,
  type DurqServeProcess,
} from '../../testkit/durq-serve-process.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';
import { SIGNING_KEY } from '../executor/e2e/harness.js';
import { durqMain } from '../helpers/durq-cli.js';
import { redisSnapshot } from './redis-snapshot.js';
import { ServeClient, type HttpReply } from './serve-client.js';

const EVENT_KEY = 'bad-input-event-key';
const MAX_REQUEST_BYTES = 4_096;
const MAX_EVENT_BYTES = 1_024;
const APP_ID = 'badin';
const OK_EVENT = 'badin/ok';
const NEW_EVENT = 'badin/new';

const valid = (i: number) => ({ name: 'badin/valid', data: { i } });

/** What JSON.parse says of `text` (the server runs on this same Node). */
function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parses`);
}

function errorOf(reply: HttpReply): string {
  const error = (reply.json as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : `(no error string in ${reply.text})`;
}

function appFunctions(inngest: Inngest): InngestFunction.Any[] {
  return [inngest.createFunction({ id: 'ok', triggers: [{ event: OK_EVENT }] }, () => 'fine')];
}

describe('durq serve refuses bad input and stores nothing', () => {
  const redis = useRedis();
  const h = {} as { server: DurqServeProcess; api: ServeClient; app: SdkApp };

  beforeAll(async () => {
    const port = await freePort();
    h.app = await startSdkApp({
      appId: APP_ID,
      functions: appFunctions,
      signingKey: SIGNING_KEY,
      eventKey: EVENT_KEY,
      eventApiUrl: `http://127.0.0.1:${port}/`,
    });
    h.server = await startDurqServe({
      main: durqMain(),
      port,
      args: [
        ...['--redis', redis.server.url, '--signing-key', SIGNING_KEY, '--event-key', EVENT_KEY],
        ...['--max-request-bytes', String(MAX_REQUEST_BYTES)],
        ...['--max-event-bytes', String(MAX_EVENT_BYTES)],
      ],
    });
    h.api = new ServeClient(h.server.url, SIGNING_KEY);
  }, 60_000);

  afterAll(async () => {
    await h.app?.stop();
    expect(await h.server?.stop(), h.server?.output()).toBe(0);
  }, 60_000);

  /** Runs the request and checks that Redis holds exactly what it held before. */
  async function storesNothing(request: () => Promise<HttpReply>): Promise<HttpReply> {
    const before = await redisSnapshot(redis.raw);
    const reply = await request();
    expect(await redisSnapshot(redis.raw), `Redis after ${reply.status} ${reply.text}`).toEqual(
      before,
    );
    return reply;
  }

  it('malformed JSON: 400 naming the parse error (events and /fn/register)', async () => {
    const text = '[{"name": "badin/valid", "data": {]';
    const reply = await storesNothing(() => h.api.sendEvents(text, EVENT_KEY));
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ status: 400, ids: [] });
    expect(errorOf(reply)).toContain('not valid JSON');
    expect(errorOf(reply)).toContain(parseError(text));
    const register = await storesNothing(() =>
      h.api.request('POST', '/fn/register', { body: '{"url":' }),
    );
    expect(register.status).toBe(400);
    expect(register.json).toMatchObject({ status: 400 });
    expect(errorOf(register)).toContain(parseError('{"url":'));
  });

  it('a request over --max-request-bytes: 413', async () => {
    const events = Array.from({ length: 10 }, (_, i) => ({
      ...valid(i),
      data: { i, pad: 'x'.repeat(500) },
    }));
    expect(JSON.stringify(events).length).toBeGreaterThan(MAX_REQUEST_BYTES);
    const reply = await storesNothing(() => h.api.sendEvents(events, EVENT_KEY));
    expect(reply.status, reply.text).toBe(413);
  });

  it('an event over --max-event-bytes, in a batch of valid ones: 413, none stored', async () => {
    const big = { name: 'badin/valid', data: { pad: 'x'.repeat(MAX_EVENT_BYTES) } };
    const events = [valid(0), big, valid(2)];
    expect(JSON.stringify(events).length).toBeLessThan(MAX_REQUEST_BYTES);
    const reply = await storesNothing(() => h.api.sendEvents(events, EVENT_KEY));
    expect(reply.status, reply.text).toBe(413);
    expect(errorOf(reply)).toMatch(/events\[1\]|index 1/);
  });

  it('an event without a name, or with an inngest/ name: 400 naming its index and field', async () => {
    const cases: Array<[unknown[], string]> = [
      [[valid(0), { data: { no: 'name' } }, valid(2)], 'events[1].name'],
      [[valid(0), valid(1), { name: 'inngest/function.finished', data: {} }], 'events[2].name'],
    ];
    for (const [events, field] of cases) {
      const reply = await storesNothing(() => h.api.sendEvents(events, EVENT_KEY));
      expect(reply.status, reply.text).toBe(400);
      expect(reply.json).toMatchObject({ status: 400 });
      expect(errorOf(reply)).toContain(field);
    }
    const single = await storesNothing(() => h.api.sendEvents({ data: {} }, EVENT_KEY));
    expect(single.status, single.text).toBe(400);
    expect(errorOf(single)).toMatch(/name/);
  });

  it('an unknown event key in production mode: 401', async () => {
    const reply = await storesNothing(() => h.api.sendEvents([valid(0)], `not-${EVENT_KEY}`));
    expect(reply.status, reply.text).toBe(401);
    expect(reply.json).toEqual({ status: 401, message: '', error: 'Event key not found' });
    // The control: the right key stores the event, and the snapshot sees that.
    const before = await redisSnapshot(redis.raw);
    const good = await h.api.sendEvents([valid(0)], EVENT_KEY);
    expect(good.status, good.text).toBe(200);
    expect(await redisSnapshot(redis.raw)).not.toEqual(before);
  });

  it('/fn/register without or with a wrong Authorization: 401, nothing registered', async () => {
    const body = registration([fnConfig('sneaky', [{ event: 'badin/sneaky' }])]);
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer signkey-test-00ff' },
      { authorization: 'x' },
    ];
    for (const given of headers) {
      const reply = await storesNothing(() =>
        h.api.request('POST', '/fn/register', { body, headers: given, auth: false }),
      );
      expect(reply.status, `${JSON.stringify(given)}: ${reply.text}`).toBe(401);
      expect(errorOf(reply)).toBe('Authentication failed');
    }
  });

  it('a percent-encoded path still needs the signing key (the router decodes it)', async () => {
    const body = registration([fnConfig('sneaky', [{ event: 'badin/sneaky' }])]);
    const tries: Array<[string, string, unknown?]> = [
      ['GET', '/%76%31/events'],
      ['GET', '/v%31/events'],
      ['POST', '/%66n/register', body],
      ['POST', '/%76%30/apps/sync', { url: h.app.url }],
    ];
    for (const [method, path, given] of tries) {
      const reply = await storesNothing(() =>
        h.api.request(method, path, { ...(given ? { body: given } : {}), auth: false }),
      );
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(401);
    }
    // The same encoded path with the key reaches the route: the router did decode it.
    expect((await h.api.get('/%76%31/events')).status).toBe(200);
  });

  it('bad query parameters and URLs: 400 naming them, not 500', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['GET', '/v1/events?received_after=99999999999999999999', undefined, /received_after/],
      ['GET', '/v1/events?received_after=1960-01-01T00:00:00Z', undefined, /received_after/],
      ['GET', '/v1/events?received_before=yesterday', undefined, /received_before/],
      ['GET', '/v1/events?name=', undefined, /name/],
      ['GET', '/v1/events?name=a&name=b', undefined, /name/],
      ['GET', '/v1/events?limit=many', undefined, /limit/],
      ['GET', '/v1/events?cursor=nope', undefined, /cursor/],
      ['POST', '/fn/register', { ...(registration([]) as object), url: 'not a url' }, /url/],
      ['POST', '/v0/apps/sync', { url: 'http://[::1' }, /url/],
    ];
    for (const [method, path, body, names] of cases) {
      const reply = await storesNothing(() =>
        h.api.request(method, path, body === undefined ? {} : { body }),
      );
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(400);
      expect(errorOf(reply)).toMatch(names);
    }
  });

  it('an invalid FunctionConfig: 400 naming function and field; the app keeps its functions', async () => {
    const put = await fetch(h.app.url, { method: 'PUT' }); // out-of-band: the SDK's own register
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toMatchObject({ modified: true });
    const ok = fnConfig('ok', [{ event: OK_EVENT }]);
    // The error names the function (its id) and the field (its path in the body).
    const cases: Array<[unknown[], string]> = [
      [[{}], 'functions[1].triggers[0]: '],
      [
        [{ event: NEW_EVENT, expression: 'event.data.x ==' }],
        'functions[1].triggers[0].expression',
      ],
      [[{ cron: 'every now and then' }], 'functions[1].triggers[0].cron'],
    ];
    for (const [triggers, field] of cases) {
      const body = registration([ok, fnConfig('new', triggers)]);
      const reply = await storesNothing(() => h.api.request('POST', '/fn/register', { body }));
      expect(reply.status, reply.text).toBe(400);
      expect(reply.json).toMatchObject({ status: 400 });
      expect(errorOf(reply)).toContain(field);
      expect(errorOf(reply)).toContain(`of function "${APP_ID}-new"`);
    }
    // The bad re-syncs changed nothing: the app's function still runs, the new one is unknown.
    const [newId = '', okId = ''] = await h.api.send(
      [
        { name: NEW_EVENT, data: { x: 1 } },
        { name: OK_EVENT, data: {} },
      ],
      EVENT_KEY,
    );
    const run = await h.api.settled((await h.api.runOf(okId)).run_id);
    expect(run).toMatchObject({ status: 'Completed', output: 'fine' });
    expect(await h.api.runsOf(newId)).toEqual([]);
  });

  function registration(functions: unknown[]): unknown {
    return {
      url: h.app.url,
      deployType: 'ping',
      framework: 'nodejs',
      appName: APP_ID,
      sdk: 'js:v4.24.0',
      v: '0.1',
      functions,
    };
  }

  function fnConfig(id: string, triggers: unknown[]): unknown {
    const fnId = `${APP_ID}-${id}`;
    const url = `${h.app.url}?fnId=${fnId}&stepId=step`;
    return {
      id: fnId,
      name: id,
      triggers,
      steps: { step: { id: 'step', name: 'step', runtime: { type: 'http', url } } },
    };
  }
});

describe('durq CLI usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durq-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `durq serve` with these options, a private data dir and a free port. */
  const serve = async (...args: string[]) => {
    const port = args.includes('--port') ? [] : ['--port', String(await freePort())];
    return await runDurq(durqMain(), ['serve', '--data-dir', dir, ...port, ...args]);
  };

  it.concurrent.each([
    [['--port', 'abc'], '--port'],
    [['--role', 'nope'], '--role'],
    [['--redis', 'not-a-url'], '--redis'],
    [['--signing-key', 'signkey-test-00ff'], '--event-key'],
    [['--no-such-option'], '--no-such-option'],
  ])('durq serve %j: exit 2 naming %s', async (args, option) => {
    const result = await serve(...args);
    expect(result.code, JSON.stringify(result)).toBe(2);
    expect(result.stderr).toContain(option);
  });

  it('durq --version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    const result = await runDurq(durqMain(), ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe((pkg as { version: string }).version);
  });
});
