import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/durq-serve-process.js';
import { durqMain } from '../helpers/durq-cli.js';

/**
 * A signal during start-up (here: while the first sync of an `--sdk-url` app hangs, before
 * "durq ready") stops what was started so far: durq exits 0 and its embedded redis-server stops
 * cleanly (it removes its pid file), rather than being left running.
 */
describe('durq serve: SIGTERM before it is ready', () => {
  const sockets: Socket[] = [];
  let hung: Server | undefined;
  afterAll(() => {
    for (const s of sockets) s.destroy();
    hung?.close();
  });

  it('exits 0 and stops its embedded Redis', async () => {
    // An "app" that accepts the sync's connection and never answers.
    hung = createServer((s) => void sockets.push(s));
    const appPort = await new Promise<number>((done) =>
      hung?.listen(0, '127.0.0.1', () => {
        const a = hung?.address();
        done(typeof a === 'object' && a ? a.port : 0);
      }),
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'durq-startup-'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        durqMain(),
        'serve',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--shutdown-timeout',
        '1s',
      ].concat(['--sdk-url', `http://127.0.0.1:${appPort}/api/inngest`]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    // Wait for the hung sync to be under way (the app has a connection), then signal.
    const t0 = Date.now();
    while (sockets.length === 0 && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 20));
    expect(sockets.length, output).toBeGreaterThan(0);
    expect(output).not.toContain('durq ready');
    expect(existsSync(join(dataDir, 'redis.pid')), 'the embedded Redis runs').toBe(true);
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    expect(output).not.toContain('durq ready');
    expect(existsSync(join(dataDir, 'redis.pid')), 'the embedded Redis stopped cleanly').toBe(
      false,
    );
  }, 60_000);
});
