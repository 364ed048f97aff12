import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { childEnv, startSdkAppProcess, type SdkAppProcess } from '../../testkit/sdk-app-process.js';
import { callBody, postCall, stepIdHash, syncInBand } from '../../testkit/sdk-protocol.js';
import { alive } from '../helpers/children.js';
import { waitUntil } from '../helpers/wait.js';
import { COUNTER_FILE_ENV, readCounter } from './fixtures/counting-app.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'counting-app.ts');
const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const FALLBACK = 'signkey-test-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';
const dir = mkdtempSync(join(tmpdir(), 'durq-sdkapp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let procs: SdkAppProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  procs = [];
  vi.unstubAllEnvs();
});

async function start(opts: Parameters<typeof startSdkAppProcess>[0]): Promise<SdkAppProcess> {
  const proc = await startSdkAppProcess(opts);
  procs.push(proc);
  return proc;
}

const holdEvent = (holdMs: number) => ({
  name: 'counting/hold',
  data: { holdMs },
  id: `hold-${holdMs}`,
  ts: 1_700_000_000_000,
});

describe('startSdkAppProcess (real SDK app in a child process)', () => {
  it('survives SIGKILL mid-step and restarts on the same port', async () => {
    const counter = join(dir, 'kill.log');
    const app = await start({ module: FIXTURE, env: { [COUNTER_FILE_ENV]: counter } });
    expect(app.url).toBe(`http://127.0.0.1:${app.port}/api/inngest`);
    const config = await syncInBand(app.url);
    expect(config['app_id']).toBe('counting');

    const first = await postCall(app.url, {
      fnId: 'counting-two-steps',
      body: callBody({ event: { name: 'counting/two-steps', data: {} }, runId: 'run-1' }),
    });
    expect(first.status).toBe(206);
    expect(first.body).toMatchObject([{ id: stepIdHash('a'), op: 'StepRun', data: 'A' }]);
    expect(readCounter(counter)).toEqual([
      { runId: 'run-1', step: 'a', phase: 'run', pid: app.pid },
    ]);

    const firstPid = app.pid;
    const body = callBody({ event: holdEvent(60_000), runId: 'run-2' });
    const killed = postCall(app.url, { fnId: 'counting-hold', body }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitUntil(() => readCounter(counter).some((l) => l.phase === 'start'));
    await app.kill(); // SIGKILL in the middle of step 'hold'
    expect(await killed).toBe('failed');
    expect(alive(firstPid)).toBe(false);

    await app.restart();
    expect(app.pid).not.toBe(firstPid);
    expect(alive(app.pid)).toBe(true);
    const again = await postCall(app.url, {
      fnId: 'counting-hold',
      body: callBody({ event: holdEvent(0), runId: 'run-2' }),
    });
    expect(again.status).toBe(206);
    expect(again.body).toMatchObject([{ id: stepIdHash('hold'), op: 'StepRun', data: 'held' }]);
    expect(readCounter(counter).filter((l) => l.runId === 'run-2')).toEqual([
      { runId: 'run-2', step: 'hold', phase: 'start', pid: firstPid },
      { runId: 'run-2', step: 'hold', phase: 'start', pid: app.pid },
      { runId: 'run-2', step: 'hold', phase: 'end', pid: app.pid },
    ]);

    const lastPid = app.pid;
    await app.stop();
    await app.stop(); // idempotent
    expect(alive(lastPid)).toBe(false);
    await expect(fetch(app.url)).rejects.toThrow();
  });

  it('runs in signed mode with a given port, its env scrubbed of the parent SDK vars', async () => {
    // Each would change the child's answers below if it reached the SDK.
    vi.stubEnv('INNGEST_SIGNING_KEY_FALLBACK', FALLBACK);
    vi.stubEnv('INNGEST_STREAMING', 'true');
    const probe = await start({ module: FIXTURE });
    const port = probe.port;
    await probe.stop();
    const app = await start({ module: FIXTURE, port, signingKey: KEY, appId: 'other' });
    expect(app.port).toBe(port);
    await expect(syncInBand(app.url)).rejects.toThrow(/answered 401/);
    const config = await syncInBand(app.url, { signingKey: KEY });
    expect((config['functions'] as { id: string }[]).map((f) => f.id)).toEqual([
      'other-two-steps',
      'other-hold',
    ]);
    const body = callBody({ event: { name: 'counting/two-steps', data: {} }, runId: 'run-s' });
    expect((await postCall(app.url, { fnId: 'other-two-steps', body })).status).toBe(401);
    const signed = await postCall(app.url, { fnId: 'other-two-steps', body, signingKey: KEY });
    expect(signed.status).toBe(206); // not 201: INNGEST_STREAMING did not reach the child
    const viaFallback = await postCall(app.url, {
      fnId: 'other-two-steps',
      body,
      signingKey: FALLBACK,
    });
    expect(viaFallback.status).toBe(401); // INNGEST_SIGNING_KEY_FALLBACK did not either
  });

  it('passes opts.env to the SDK on purpose', async () => {
    const app = await start({
      module: FIXTURE,
      signingKey: KEY,
      env: { INNGEST_STREAMING: 'true', INNGEST_SIGNING_KEY_FALLBACK: FALLBACK },
    });
    const body = callBody({ event: { name: 'counting/two-steps', data: {} }, runId: 'run-e' });
    const reply = await postCall(app.url, {
      fnId: 'counting-two-steps',
      body,
      signingKey: FALLBACK,
    });
    expect(reply.status).toBe(201); // streamed envelope around the 206
    expect(reply.body).toMatchObject({ status: 206 });
  });

  it('builds the child env without SDK vars, then adds the given ones', () => {
    vi.stubEnv('INNGEST_SIGNING_KEY', KEY);
    vi.stubEnv('NEXT_PUBLIC_INNGEST_DEV', '1');
    vi.stubEnv('BRANCH_NAME', 'feature');
    vi.stubEnv('DURQ_UNRELATED', 'kept');
    const env = childEnv({ INNGEST_ENV: 'chosen' });
    expect(env['INNGEST_SIGNING_KEY']).toBeUndefined();
    expect(env['NEXT_PUBLIC_INNGEST_DEV']).toBeUndefined();
    expect(env['BRANCH_NAME']).toBeUndefined();
    expect(env['DURQ_UNRELATED']).toBe('kept');
    expect(env['INNGEST_ENV']).toBe('chosen');
  });

  it('reports a module without functions clearly', async () => {
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const appId = "x";\n');
    await expect(startSdkAppProcess({ module: bad })).rejects.toThrow(
      /exited \(code 2\) before it was ready[\s\S]*exports no functions/,
    );
  });
});
