import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDurqServe, type DurqServeProcess } from '../../testkit/durq-serve-process.js';
import { durqMain } from '../helpers/durq-cli.js';
import { waitUntil } from '../helpers/wait.js';
import { alive } from '../helpers/children.js';

/** The embedded redis-server's pid, from the pid file it keeps in the data dir. */
const redisPid = (serve: DurqServeProcess): number =>
  Number(readFileSync(join(serve.dataDir, 'redis.pid'), 'utf8').trim());

async function sendEvent(serve: DurqServeProcess): Promise<string> {
  const res = await fetch(`${serve.url}/e/any-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'testkit/kept', data: {} }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ids: string[] }).ids[0] as string;
}

const eventStatus = async (serve: DurqServeProcess, id: string) =>
  (await fetch(`${serve.url}/v1/events/${id}`)).status;

describe('startDurqServe (the built durq serve in a child process)', () => {
  let serve: DurqServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
  });

  it('stops on SIGTERM with exit 0, restarts on the same port and data dir, kills its group', async () => {
    serve = await startDurqServe({ main: durqMain(), args: ['--log-level', 'warn'] });
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}`);
    expect(serve.output()).toContain(`durq ready at ${serve.url}`);
    const id = await sendEvent(serve);
    const firstPid = serve.pid;
    const firstRedis = redisPid(serve);

    expect(await serve.stop()).toBe(0);
    expect(alive(firstPid)).toBe(false);
    expect(alive(firstRedis), 'the embedded redis-server stops with durq').toBe(false);

    await serve.restart();
    expect(serve.pid).not.toBe(firstPid);
    expect(await eventStatus(serve, id), 'the event is kept across the restart').toBe(200);

    const secondPid = serve.pid;
    const secondRedis = redisPid(serve);
    expect(alive(secondRedis)).toBe(true);
    await serve.kill();
    expect(alive(secondPid)).toBe(false);
    // SIGKILLed with its group; gone once reaped (a zombie still answers kill 0).
    await waitUntil(() => !alive(secondRedis), 5_000, 'the embedded redis-server to die');

    await serve.restart();
    expect(await eventStatus(serve, id)).toBe(200);
  }, 60_000);
});
