/**
 * `durq serve` as users run it, for the ingest workload: the built CLI (`npm run build`, then
 * `node dist/src/cli/main.js serve`) in a child process, on its embedded redis-server in a
 * temporary `--data-dir`, on a free port, `--log-level warn`, started and stopped by
 * testkit/durq-serve-process.ts (SIGTERM: a clean shutdown that stops its Redis; then SIGKILL
 * for whatever is left of its process group). The embedded Redis is found by the pid file in
 * its data directory, for the bench's INFO and SLOWLOG readings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDurqServe, type DurqServeProcess } from '../../testkit/durq-serve-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI_SOURCE = join(ROOT, 'src', 'cli', 'main.ts');
export const CLI_BUILT = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** durq serve's own --shutdown-timeout: nothing runs long here. */
const SHUTDOWN_TIMEOUT = '5s';

export interface DurqServe {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** The embedded redis-server's address, from its command line (null when not found). */
  readonly redisUrl: string | null;
  /** The command line, as a user would type it (paths relative to the repository). */
  readonly command: string;
  /** Log lines at warn or above that durq wrote to stdout (its last 50 000 characters). */
  warnings(): Map<string, number>;
  /** The last of its stderr and stdout, for failure messages. */
  output(): string;
  /**
   * SIGTERM, wait; then SIGKILL and the leftover Redis if need be; removes the data dir.
   * Resolves to how it ended, e.g. "exit code 0, its Redis stopped".
   */
  stop(): Promise<string>;
  /** Last resort (process exit; synchronous signals): SIGKILL durq and its Redis. */
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

/** durq's pino lines (JSON on stdout) at warn or above in `output`, by level and message. */
function countWarnings(output: string): Map<string, number> {
  const warnings = new Map<string, number>();
  for (const line of output.split('\n')) {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as { level?: number; msg?: string };
    } catch {
      continue;
    }
    if (typeof entry.level !== 'number' || entry.level < 40) continue;
    const key = `${entry.level === 40 ? 'warn' : 'error'}: ${entry.msg ?? ''}`;
    warnings.set(key, (warnings.get(key) ?? 0) + 1);
  }
  return warnings;
}

export interface ServeOptions {
  /** `--role` (default: durq's own default, all). */
  role?: 'all' | 'api';
  /** Added to durq's environment, e.g. NODE_OPTIONS=--cpu-prof (profiling by hand). */
  env?: Record<string, string>;
}

export async function startServe(o: ServeOptions = {}): Promise<DurqServe> {
  const dataDir = mkdtempSync(join(tmpdir(), 'durq-ingest-'));
  const args = ['--log-level', 'warn', '--shutdown-timeout', SHUTDOWN_TIMEOUT];
  if (o.role !== undefined) args.push('--role', o.role);
  let proc: DurqServeProcess;
  try {
    // testkit's child leads its own process group: a Ctrl-C in the terminal reaches the bench
    // alone, which stops durq once (a second signal makes durq exit at once).
    proc = await startDurqServe({ main: CLI_BUILT, dataDir, args, env: o.env ?? {} });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const shown = ['--port', String(proc.port), '--data-dir', '<temp dir>', ...args].join(' ');
  let stopped: Promise<string> | undefined;
  return {
    url: proc.url,
    pid: proc.pid,
    redisUrl: redisUrlOf(redisPidIn(dataDir)),
    command: `node dist/src/cli/main.js serve ${shown}`,
    warnings: () => countWarnings(proc.output()),
    output: () => proc.output(),
    stop: () => (stopped ??= stopServe(proc, dataDir)),
    kill: () => {
      const redis = redisPidIn(dataDir);
      void proc.kill();
      if (redis !== null) process.kill(redis, 'SIGKILL');
    },
  };
}

/** SIGTERM and wait (testkit then SIGKILLs what is left of the group); removes the data dir. */
async function stopServe(proc: DurqServeProcess, dataDir: string): Promise<string> {
  const redis = redisPidIn(dataDir);
  let how: string;
  try {
    const code = await proc.stop();
    how = code === null ? 'ended by a signal' : `exit code ${code}`;
  } catch (err) {
    await proc.kill();
    how = `${(err as Error).message}: killed`;
  }
  if (redis !== null) how += alive(redis) ? '; its Redis still ran: killed' : '; its Redis stopped';
  if (redis !== null && alive(redis)) process.kill(redis, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  return how;
}
