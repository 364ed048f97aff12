/**
 * `durq serve` as users run it, for the ingest workload: the built CLI (`npm run build`, then
 * `node dist/src/cli/main.js serve`) in a child process, on its embedded redis-server in a
 * temporary `--data-dir`, on a free port, `--log-level warn`. Stopped by SIGTERM (a clean
 * shutdown that stops its Redis); if that fails, killed, and a redis-server it left behind is
 * stopped by the pid its data directory names.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testkit/redis-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI_SOURCE = join(ROOT, 'src', 'cli', 'main.ts');
export const CLI_BUILT = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const READY_TIMEOUT_MS = 60_000;
/** durq serve's own --shutdown-timeout: nothing runs long here. */
const SHUTDOWN_TIMEOUT = '5s';
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_KEEP = 20_000;

export interface DurqServe {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** The embedded redis-server's address, from its command line (null when not found). */
  readonly redisUrl: string | null;
  /** The command line, as a user would type it (paths relative to the repository). */
  readonly command: string;
  /** Log lines at warn or above that durq wrote to stdout, by message. */
  readonly warnings: Map<string, number>;
  /** The last of its stderr and stdout, for failure messages. */
  output(): string;
  /**
   * SIGTERM, wait; then SIGKILL and the leftover Redis if need be; removes the data dir.
   * Resolves to how it ended, e.g. "exit code 0, its Redis stopped".
   */
  stop(): Promise<string>;
  /** Synchronous last resort (process exit): SIGKILL durq and its Redis. */
  kill(): void;
}

/** The newest modification time (ms) of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` unless dist/ is newer than every file under src/. */
export function ensureBuilt(log: (s: string) => void): 'fresh' | 'built' {
  if (!existsSync(CLI_SOURCE))
    throw new Error(`ingest: ${CLI_SOURCE} does not exist: this tree has no durq serve yet`);
  if (existsSync(CLI_BUILT) && statSync(CLI_BUILT).mtimeMs >= newestMtime(join(ROOT, 'src')))
    return 'fresh';
  log('  building: npm run build (dist/ is missing or older than src/)');
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`ingest: npm run build failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
  return 'built';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command line of a live process (Linux /proc), or null. */
function cmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** The pid of the redis-server that the data dir's pid file names, if it runs. */
function redisPidIn(dataDir: string): number | null {
  const file = join(dataDir, 'redis.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || !alive(pid)) return null;
  return cmdline(pid)?.some((a) => a.includes('redis-server')) ? pid : null;
}

/**
 * `redis://HOST:PORT` of the embedded Redis, from its command line: redis-server rewrites its
 * process title to `redis-server HOST:PORT`; the arguments durq gave (`--port N`) as a fallback.
 */
function redisUrlOf(pid: number | null): string | null {
  const args = pid === null ? null : cmdline(pid);
  if (args === null) return null;
  const title = /redis-server (\d+\.\d+\.\d+\.\d+):(\d+)/.exec(args.join(' '));
  if (title) return `redis://${title[1]}:${title[2]}`;
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isSafeInteger(port) && port > 0 ? `redis://127.0.0.1:${port}` : null;
}

function waitReady(proc: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      finish(new Error(`durq serve not ready after ${READY_TIMEOUT_MS} ms:\n${output()}`));
    }, READY_TIMEOUT_MS);
    const onData = () => {
      if (/durq ready/.test(output())) finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`durq serve exited (${signal ?? code}) before it was ready:\n${output()}`));
    const finish = (err?: Error) => {
      clearTimeout(timer);
      proc.stderr?.off('data', onData);
      proc.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    proc.stderr?.on('data', onData);
    proc.once('exit', onExit);
  });
}

/** Counts durq's pino lines (JSON on stdout) by level and message. */
function countWarnings(warnings: Map<string, number>) {
  let pending = '';
  return (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let entry: { level?: number; msg?: string };
      try {
        entry = JSON.parse(line) as { level?: number; msg?: string };
      } catch {
        continue;
      }
      if ((entry.level ?? 0) < 40) continue;
      const key = `${entry.level === 40 ? 'warn' : 'error'}: ${entry.msg ?? ''}`;
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    }
  };
}

export interface ServeOptions {
  /** `--role` (default: durq's own default, all). */
  role?: 'all' | 'api';
  /** Node options before the script, e.g. `--cpu-prof` (profiling by hand). */
  nodeArgs?: string[];
}

export async function startServe(o: ServeOptions = {}): Promise<DurqServe> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'durq-ingest-'));
  const args = ['serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'];
  args.push('--shutdown-timeout', SHUTDOWN_TIMEOUT);
  if (o.role !== undefined) args.push('--role', o.role);
  // Its own process group: a Ctrl-C in the terminal reaches the bench, which stops durq once
  // (a second signal makes durq exit at once, leaving its Redis running).
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), CLI_BUILT, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  const warnings = new Map<string, number>();
  proc.stderr?.on('data', keep);
  proc.stdout?.on('data', keep);
  proc.stdout?.on('data', countWarnings(warnings));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    const redis = redisPidIn(dataDir);
    if (redis !== null) process.kill(redis, 'SIGKILL');
  };
  const stop = () => stopServe(proc, exited, dataDir);
  try {
    await waitReady(proc, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid!,
    redisUrl: redisUrlOf(redisPidIn(dataDir)),
    command: `node dist/src/cli/main.js ${args.join(' ').replace(dataDir, '<temp dir>')}`,
    warnings,
    output: () => output,
    stop,
    kill,
  };
}

async function stopServe(
  proc: ChildProcess,
  exited: Promise<void>,
  dataDir: string,
): Promise<string> {
  const timeout = (ms: number) => new Promise<'late'>((r) => setTimeout(() => r('late'), ms));
  let how = '';
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM');
    if ((await Promise.race([exited, timeout(STOP_TIMEOUT_MS)])) === 'late') {
      proc.kill('SIGKILL');
      await exited;
      how = `no exit within ${STOP_TIMEOUT_MS} ms of SIGTERM: killed`;
    }
  }
  how ||= proc.signalCode !== null ? `killed by ${proc.signalCode}` : `exit code ${proc.exitCode}`;
  const redis = redisPidIn(dataDir);
  if (redis !== null) {
    process.kill(redis, 'SIGTERM');
    for (let waited = 0; alive(redis) && waited < STOP_TIMEOUT_MS; waited += 50) await timeout(50);
    if (alive(redis)) process.kill(redis, 'SIGKILL');
    how += `; its Redis (pid ${redis}) was left running and stopped by the bench`;
  } else how += '; its Redis stopped';
  rmSync(dataDir, { recursive: true, force: true });
  return how;
}
