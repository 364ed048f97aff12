/**
 * Issue 13, "Roles": one Redis, two `durq serve --role worker` processes and one `--role api`
 * process (all the built CLI). An app synced through the api, and 20 runs sent to it, all
 * complete; both workers ran steps (their `/metrics` count them) and the api ran none.
 */
import type { Inngest, InngestFunction } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDurqServe, type DurqServeProcess } from '../../testkit/durq-serve-process.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';
import { durqMain } from '../helpers/durq-cli.js';
import { ServeClient, metricSum } from './serve-client.js';

const RUNS = 20;
const STEPS = ['one', 'two', 'three'];
/** Each step holds this long, so that a worker running 2 at once leaves work for the other. */
const STEP_MS = 100;
const STEPS_METRIC = 'durq_steps_total';

function functions(inngest: Inngest): InngestFunction.Any[] {
  return [
    inngest.createFunction(
      { id: 'chain', triggers: [{ event: 'roles/chain' }] },
      async ({ event, step }) => {
        let value = (event.data as { n: number }).n;
        for (const id of STEPS)
          value = await step.run(id, async () => {
            await new Promise((r) => setTimeout(r, STEP_MS));
            return value + 1;
          });
        return value;
      },
    ),
  ];
}

describe('durq serve roles: two workers and an api on one Redis', () => {
  const redis = useRedis();
  const h = {} as { app: SdkApp; api: DurqServeProcess; workers: DurqServeProcess[] };

  beforeAll(async () => {
    const shared = ['--redis', redis.server.url, '--backoff-scale', '0.01'];
    const role = (name: string, ...more: string[]) =>
      startDurqServe({ main: durqMain(), args: [...shared, '--role', name, ...more] });
    [h.api, ...h.workers] = await Promise.all([
      role('api'),
      role('worker', '--concurrency', '2'),
      role('worker', '--concurrency', '2'),
    ]);
    h.app = await startSdkApp({ appId: 'roles', functions, eventApiUrl: `${h.api.url}/` });
  }, 60_000);

  afterAll(async () => {
    await h.app?.stop();
    for (const p of [h.api, ...(h.workers ?? [])])
      if (p) expect(await p.stop(), p.output()).toBe(0);
  }, 60_000);

  async function stepsRun(p: DurqServeProcess): Promise<number> {
    const res = await fetch(`${p.url}/metrics`);
    expect(res.status).toBe(200);
    return metricSum(await res.text(), STEPS_METRIC);
  }

  it('the api takes the sync and the events, the workers run every step', async () => {
    const api = new ServeClient(h.api.url);
    const synced = await api.request('POST', '/v0/apps/sync', { body: { url: h.app.url } });
    expect(synced.status, synced.text).toBe(200);
    expect(synced.json).toMatchObject({ app_id: 'roles', functions: ['roles-chain'] });
    const ids = await api.send(
      Array.from({ length: RUNS }, (_, n) => ({ name: 'roles/chain', data: { n } })),
    );
    const runs = await Promise.all(ids.map(async (id) => (await api.runOf(id)).run_id));
    const settled = await Promise.all(runs.map((id) => api.settled(id, 30_000)));
    expect(settled.map((r) => [r.status, r.output])).toEqual(
      Array.from({ length: RUNS }, (_, n) => ['Completed', n + STEPS.length]),
    );
    const [first = 0, second = 0] = await Promise.all(h.workers.map(stepsRun));
    expect(first, 'steps run by worker 1').toBeGreaterThan(0);
    expect(second, 'steps run by worker 2').toBeGreaterThan(0);
    expect(first + second, 'every step ran on a worker').toBeGreaterThanOrEqual(
      RUNS * STEPS.length,
    );
    expect(await stepsRun(h.api), 'steps run by the api').toBe(0);
  }, 60_000);
});
