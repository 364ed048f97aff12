import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { TIMED_OUT, within, type Clock } from '../core/clock.js';
import { DurqError } from '../core/errors.js';

const READY = /Ready to accept connections/;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_KEEP = 8_000;

/** The embedded redis-server could not start or stop; the message says why and what to do. */
export class EmbeddedRedisError extends DurqError {
  override name = 'EmbeddedRedisError';

  constructor(message: string) {
    super('EMBEDDED_REDIS_FAILED', message);
  }
}

export const REDIS_INSTALL_HINT =
  'durq serve starts its own redis-server unless given --redis or --cluster, and none was found ' +
  'on PATH. Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: ' +
  '`brew install redis`), or point durq at a Redis you run with --redis redis://host:6379.';

export interface EmbeddedRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Stops it cleanly (SIGTERM: Redis flushes its append-only file), waits for the exit. */
  stop(): Promise<void>;
}

/**
 * A private redis-server for `durq serve` without `--redis`: on 127.0.0.1 and a free port, its
 * data in `dataDir` with append-only persistence (fsync every second), so a restart of durq
 * finds every run again. A redis-server left running by a durq that was killed (its pid file
 * still names a live redis-server) is stopped first, so its last writes reach the file.
 */
export async function startEmbeddedRedis(opts: {
  dataDir: string;
  clock: Clock;
  binary?: string;
}): Promise<EmbeddedRedis> {
  const dataDir = resolve(opts.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new EmbeddedRedisError(`cannot use --data-dir ${dataDir}: ${(err as Error).message}`);
  }
  const pidFile = join(dataDir, 'redis.pid');
  const portFile = join(dataDir, 'redis.port');
  await stopLeftover(pidFile, portFile, opts.clock);
  const port = await freePort();
  const child = spawn(
    opts.binary ?? 'redis-server',
    redisArgs(port, dataDir, pidFile),
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches durq
    // alone, and durq stops Redis last, after the work in flight was saved.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitReady(child, () => output, opts.clock);
  writeFileSync(portFile, `${port}\n`);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid as number,
    dataDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if ((await within(opts.clock, STOP_TIMEOUT_MS, exited)) === TIMED_OUT) {
        child.kill('SIGKILL');
        await exited;
        throw new EmbeddedRedisError(
          `the embedded redis-server did not stop within ${STOP_TIMEOUT_MS} ms and was killed; ` +
            `its last second of writes may be missing. Its output:\n${output}`,
        );
      }
    },
  };
}

function waitReady(child: ChildProcess, output: () => string, clock: Clock): Promise<void> {
  return new Promise((done, fail) => {
    const ac = new AbortController();
    const finish = (err?: Error) => {
      ac.abort();
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) fail(err);
      else done();
    };
    const onData = () => {
      if (READY.test(output())) finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(
        new EmbeddedRedisError(
          `the embedded redis-server exited at start (${signal ?? `code ${code}`}). Its output:\n${output()}`,
        ),
      );
    const onError = (err: NodeJS.ErrnoException) =>
      finish(
        err.code === 'ENOENT'
          ? new EmbeddedRedisError(REDIS_INSTALL_HINT)
          : new EmbeddedRedisError(`could not start redis-server: ${err.message}`),
      );
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
    void clock.sleep(START_TIMEOUT_MS, ac.signal).then(() => {
      if (ac.signal.aborted) return;
      child.kill('SIGKILL');
      finish(
        new EmbeddedRedisError(
          `the embedded redis-server was not ready within ${START_TIMEOUT_MS} ms. Its output:\n${output()}`,
        ),
      );
    });
  });
}

/**
 * Stops a redis-server that a killed durq left behind on this data directory: the pid in
 * Redis's pid file, if that process is a redis-server on the port durq recorded (after a reboot
 * the pid may belong to another Redis, which is left alone).
 */
async function stopLeftover(pidFile: string, portFile: string, clock: Clock): Promise<void> {
  if (!existsSync(pidFile) || !existsSync(portFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const port = Number(readFileSync(portFile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isOurRedis(pid, port)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < STOP_TIMEOUT_MS; waited += 50) {
    if (!alive(pid)) return;
    await clock.sleep(50);
  }
  throw new EmbeddedRedisError(
    `a redis-server (pid ${pid}) from an earlier durq still uses ${pidFile} and did not stop`,
  );
}

/** redis-server names itself `redis-server 127.0.0.1:<port>` in its command line. */
function isOurRedis(pid: number, port: number): boolean {
  if (!alive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('redis-server') && cmdline.includes(`127.0.0.1:${port}`);
  } catch {
    return true; // no /proc (macOS): trust the pid file, which only redis-server writes
  }
}

/** Whether the process runs; a zombie (exited, not yet reaped by its parent) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it exists
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? done(address.port)
          : fail(new EmbeddedRedisError('no free port for the embedded redis-server')),
      );
    });
  });
}

function redisArgs(port: number, dataDir: string, pidFile: string): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--pidfile',
    pidFile,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
}
