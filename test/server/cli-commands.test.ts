/**
 * Issue 13, the client commands of the built CLI against a running `durq serve` (on a Redis the
 * test owns, so that `durq sync --redis` can write there): `durq sync` through the server and
 * straight into Redis, `durq send`, `durq runs`, `durq run` (table and `--json`) and
 * `durq cancel`.
 */
import type { Inngest, InngestFunction } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runDurq,
  startDurqServe,
  type CliResult,
  type DurqServeProcess,
} from '../../testkit/durq-serve-process.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';
import { durqMain } from '../helpers/durq-cli.js';
import { ServeClient, type RunJson } from './serve-client.js';

const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/g;
const UNKNOWN_RUN = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

function greeter(inngest: Inngest): InngestFunction.Any[] {
  return [
    inngest.createFunction(
      { id: 'greet', triggers: [{ event: 'cli/greet' }] },
      async ({ event, step }) =>
        await step.run('greet', () => `hello ${(event.data as { name: string }).name}`),
    ),
    inngest.createFunction({ id: 'nap', triggers: [{ event: 'cli/nap' }] }, async ({ step }) => {
      await step.sleep('long', '1h');
      return 'woke up';
    }),
  ];
}

function echoer(inngest: Inngest): InngestFunction.Any[] {
  return [
    inngest.createFunction(
      { id: 'echo', triggers: [{ event: 'cli/echo' }] },
      ({ event }) => event.data,
    ),
  ];
}

describe('durq client commands against a running server', () => {
  const redis = useRedis();
  const h = {} as { server: DurqServeProcess; api: ServeClient; apps: SdkApp[] };

  beforeAll(async () => {
    h.server = await startDurqServe({
      main: durqMain(),
      args: ['--redis', redis.server.url, '--backoff-scale', '0.01'],
    });
    h.api = new ServeClient(h.server.url);
    const eventApiUrl = `${h.server.url}/`;
    h.apps = await Promise.all([
      startSdkApp({ appId: 'cli-greeter', functions: greeter, eventApiUrl }),
      startSdkApp({ appId: 'cli-echoer', functions: echoer, eventApiUrl }),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const app of h.apps ?? []) await app.stop();
    expect(await h.server?.stop(), h.server?.output()).toBe(0);
  }, 60_000);

  /** A command of the built CLI, against this server unless `--redis` says otherwise. */
  const durq = (...args: string[]) => runDurq(durqMain(), [...args, '--url', h.server.url]);

  function ok(result: CliResult): string {
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    return result.stdout;
  }

  /** `durq send name json`; the one event ID it prints. */
  async function send(name: string, data: unknown): Promise<string> {
    const ids = ok(await durq('send', name, JSON.stringify(data))).match(ULID) ?? [];
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  }

  async function runsJson(...args: string[]): Promise<RunJson[]> {
    const out = JSON.parse(ok(await durq('runs', ...args, '--json'))) as unknown;
    const runs = Array.isArray(out) ? out : (out as { data?: unknown }).data;
    expect(Array.isArray(runs), `durq runs --json printed ${JSON.stringify(out)}`).toBe(true);
    return runs as RunJson[];
  }

  it('syncs an app through the server and another straight into Redis', async () => {
    const [greeterApp, echoerApp] = h.apps as [SdkApp, SdkApp];
    expect(ok(await durq('sync', greeterApp.url))).toContain('cli-greeter');
    const direct = await runDurq(durqMain(), ['sync', echoerApp.url, '--redis', redis.server.url]);
    expect(ok(direct)).toContain('cli-echoer');
    for (const [name, output] of [
      ['cli/greet', 'hello ada'],
      ['cli/echo', { name: 'ada' }],
    ] as const) {
      const [eventId = ''] = await h.api.send([{ name, data: { name: 'ada' } }]);
      const run = await h.api.settled((await h.api.runOf(eventId)).run_id);
      expect(run, name).toMatchObject({ status: 'Completed', output });
    }
  });

  it('send prints the event ID; runs and run show its run', async () => {
    const eventId = await send('cli/greet', { name: 'grace' });
    const event = await h.api.get(`/v1/events/${eventId}`);
    expect(event.json).toMatchObject({ data: { name: 'cli/greet', data: { name: 'grace' } } });
    const { run_id: runId } = await h.api.runOf(eventId);
    await h.api.settled(runId);

    const byEvent = await runsJson('--event', eventId);
    expect(byEvent.map((r) => [r.run_id, r.status])).toEqual([[runId, 'Completed']]);
    const completed = await runsJson('--status', 'Completed');
    expect(completed.map((r) => r.run_id)).toContain(runId);
    expect(completed.every((r) => r.status === 'Completed')).toBe(true);
    expect(ok(await durq('runs', '--status', 'Completed'))).toContain(runId);

    const table = ok(await durq('run', runId));
    expect(table).toContain(runId);
    expect(table).toContain('Completed');
    expect(table).toContain('hello grace');
    const json = JSON.parse(ok(await durq('run', runId, '--json'))) as unknown;
    const run = (json as { data?: RunJson }).data ?? (json as RunJson);
    expect(run).toMatchObject({ run_id: runId, status: 'Completed', output: 'hello grace' });
  });

  it('cancel ends a sleeping run; an unknown run exits 1 with the server message', async () => {
    const { run_id: runId } = await h.api.runOf(await send('cli/nap', {}));
    ok(await durq('cancel', runId));
    expect(await h.api.settled(runId)).toMatchObject({ status: 'Cancelled' });

    const reply = await h.api.request('DELETE', `/v1/runs/${UNKNOWN_RUN}`);
    expect(reply.status, reply.text).toBe(404);
    const unknown = await durq('cancel', UNKNOWN_RUN);
    expect(unknown.code, JSON.stringify(unknown)).toBe(1);
    const message = (reply.json as { error?: string } | undefined)?.error ?? reply.text;
    expect(unknown.stderr).toContain(message);
  });
});
