import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** True when this process started the server (and so may flush or stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (and, if asked, whose +10000 cluster-bus port was too). */
export async function freePort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (!withBusPort) return port;
    if (port + 10000 > 65535) continue;
    try {
      await listenOnce(port + 10000);
      return port;
    } catch {
      // bus port taken: try another
    }
  }
  throw new Error('no free port found after 50 attempts');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** Spawns redis-server with no persistence on `port`; extra args are appended. */
export async function spawnRedis(
  port: number,
  extraArgs: string[] = [],
): Promise<{ proc: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'durq-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...extraArgs,
  ];
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const spawnError = new Promise<never>((_, reject) => {
    proc.once('error', (err) =>
      reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`)),
    );
    proc.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)),
    );
  });
  await Promise.race([waitForPing(port), spawnError]);
  return { proc, dir };
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

export function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

/**
 * A private redis-server on a free port, or the server named by REDIS_URL (yours, and used only
 * through keys under fresh shard names: nothing is flushed there).
 */
export async function startRedisServer(): Promise<RedisServer> {
  const given = process.env['REDIS_URL'];
  if (given)
    return {
      url: given,
      port: Number(new URL(given).port || 6379),
      owned: false,
      stop: async () => {},
    };
  return await startPrivateRedisServer();
}

/** Always a private redis-server on a free port, never REDIS_URL: for callers that flush it. */
export async function startPrivateRedisServer(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const { proc, dir } = await spawnRedis(port);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        owned: true,
        stop: async () => {
          await stopProcess(proc);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      if (attempt >= 3) throw err; // the port may have been taken between probe and bind
    }
  }
}
