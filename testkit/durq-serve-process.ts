/**
 * The built `durq serve` in a child process, for end-to-end tests: `node <main> serve --port P
 * --data-dir D …`, ready once its stderr shows `durq ready` (the banner of serve-spec.md). `main`
 * is the compiled CLI entry (testkit/cli-build.ts builds it once per test run).
 *
 * The child leads its own process group (`detached`). Its embedded redis-server runs in a group
 * of its own (durq stops it last at shutdown, so a terminal's Ctrl-C must not reach it), found by
 * the pid file in the data dir. `kill()` SIGKILLs the CLI's group and that redis-server: a crash
 * of the machine or container, not an orphaned Redis left holding the data dir. `stop()` sends
 * SIGTERM to the CLI alone, as a supervisor does, waits for its exit and then sweeps what is
 * left. Whatever is still alive when this process exits is SIGKILLed.
 *
 * The child's environment is the parent's minus every `DURQ_*` variable, plus `opts.env`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const READY_TEXT = 'durq ready';
/** The repository root: the CLI runs there, as `npm run durq` would. */
const ROOT = dirname(import.meta.dirname);
const READY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 40_000; // above serve's default --shutdown-timeout of 30 s
const OUTPUT_KEEP = 50_000;
const CLI_TIMEOUT_MS = 30_000;

export interface StartDurqServeOptions {
  /** The built CLI entry, e.g. `.build/test-cli/src/cli/main.js`. */
  main: string;
  /** `--port`; default a free port, chosen once and kept by `restart`. */
  port?: number;
  /** `--data-dir`; default a fresh temporary folder, removed when this process exits. */
  dataDir?: string;
  /** More arguments for `durq serve` (flags as in serve-spec.md). */
  args?: string[];
  /** Added to the child's environment. */
  env?: Record<string, string>;
}

export interface DurqServeProcess {
  /** `http://127.0.0.1:PORT`, unchanged by restart. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The current child's pid (a new one after restart). */
  readonly pid: number;
  /** SIGTERM, wait for the exit, SIGKILL what is left of its process group; the exit code. */
  stop(): Promise<number | null>;
  /** Resolves to the exit code once the child exits by itself (after a signal the test sent). */
  exited(): Promise<number | null>;
  /** SIGKILL to the whole process group (the CLI and its embedded redis-server); waits. */
  kill(): Promise<void>;
  /** Stops the child if it still runs (as `stop`), then starts it again: same args, port, dir. */
  restart(): Promise<void>;
  /** The recent stdout and stderr of every start (the last 50 000 characters). */
  output(): string;
}

/** Process groups started here and not yet swept; SIGKILLed if this process exits. */
const groups = new Set<number>();
/** The embedded redis-servers of every durq started here: they die with this process. */
const redisPids = new Set<number>();
/** Data dirs made here, removed when this process exits. */
const madeDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
    for (const pid of redisPids) killEmbeddedRedis(pid);
    for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  });
}

export async function startDurqServe(opts: StartDurqServeOptions): Promise<DurqServeProcess> {
  installExitHook();
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? makeDataDir();
  const argv = [
    opts.main,
    'serve',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    ...(opts.args ?? []),
  ];
  const env = serveEnv(opts.env ?? {});
  const state = { output: '' };
  let current = await spawnReady(argv, env, state);
  let redis = embeddedRedisPid(dataDir);
  if (redis !== null) redisPids.add(redis);
  const stop = async () => {
    const code = await stopChild(current);
    killEmbeddedRedis(redis);
    return code;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    get pid() {
      return current.pid ?? -1;
    },
    stop,
    exited: async () => {
      const code = await exitOf(current);
      if (current.pid !== undefined) sweep(current.pid);
      return code;
    },
    kill: async () => {
      await killGroup(current);
      killEmbeddedRedis(redis);
    },
    restart: async () => {
      await stop();
      current = await spawnReady(argv, env, state);
      redis = embeddedRedisPid(dataDir);
      if (redis !== null) redisPids.add(redis);
    },
    output: () => state.output,
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command of the built CLI (`node <main> …args`) to its end, whatever its exit code. */
export function runDurq(
  main: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd: ROOT, env: serveEnv(env), timeout: CLI_TIMEOUT_MS },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (err && typeof code !== 'number')
          reject(new Error(`durq ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
        else resolve({ code: code as number, stdout, stderr });
      },
    );
  });
}

function makeDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durq-serve-'));
  madeDirs.add(dir);
  return dir;
}

/** The parent's environment without `DURQ_*` (a developer's own settings), plus `extra`. */
function serveEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('DURQ_')) env[name] = value;
  return { ...env, ...extra };
}

function spawnReady(
  argv: string[],
  env: NodeJS.ProcessEnv,
  state: { output: string },
): Promise<ChildProcess> {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) groups.add(child.pid);
  const keep = (b: Buffer) => {
    state.output = (state.output + b.toString()).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on('data', keep);
  return new Promise((resolveReady, reject) => {
    let stderr = '';
    let ready = false;
    const fail = (message: string) => {
      clearTimeout(timer);
      if (!ready)
        reject(new Error(`durq serve ${argv.slice(1).join(' ')} ${message}:\n${state.output}`));
    };
    const timer = setTimeout(() => {
      void killGroup(child);
      fail(`printed no "${READY_TEXT}" within ${READY_TIMEOUT_MS} ms`);
    }, READY_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => {
      keep(b);
      if (ready) return;
      stderr += b.toString();
      if (!stderr.includes(READY_TEXT)) return;
      ready = true;
      clearTimeout(timer);
      resolveReady(child);
    });
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before ready`));
  });
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  const code = await signalAndWait(child, 'SIGTERM');
  if (child.pid !== undefined) sweep(child.pid);
  return code;
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  signalGroup(child.pid, 'SIGKILL');
  await signalAndWait(child, 'SIGKILL');
  sweep(child.pid);
}

/** The embedded redis-server's pid, as its pid file says once durq is ready (null: --redis). */
function embeddedRedisPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // no pid file: durq runs on a Redis of the test's own
  }
}

/** SIGKILLs one durq's embedded redis-server (the pid read when that durq was ready). */
function killEmbeddedRedis(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: gone already
  }
}

/** SIGKILLs whatever is left of the group and forgets it. */
function sweep(pgid: number): void {
  signalGroup(pgid, 'SIGKILL');
  groups.delete(pgid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/** Resolves to the child's exit code (null when a signal ended it); `cause` names what ended it. */
function exitOf(child: ChildProcess, cause = ''): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`durq serve ${child.pid} did not exit${cause}`)),
      EXIT_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    });
  });
}

/** Signals the child and resolves to its exit code (null when a signal ended it). */
function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exit = exitOf(child, ` on ${signal}`);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exit;
}
