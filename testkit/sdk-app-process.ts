/**
 * A REAL `inngest` SDK app in a child process (testkit/sdk-app-child.ts, run with
 * `node --import tsx`), for fault tests: kill it with SIGKILL mid-run, restart it on the same port.
 *
 * The child's environment is the parent's minus every variable the SDK reads (INNGEST_*, their
 * REACT_APP_/NEXT_PUBLIC_ forms, and the branch/platform names of `UNOVERRIDABLE_SDK_ENV`), plus
 * `opts.env`: what reaches the SDK is what the test asked for. A test that wants to count how
 * often a step ran passes a file path in `env` and lets its functions module append to it; see
 * test/testkit/fixtures/counting-app.ts for the pattern.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { EXIT_PORT_IN_USE, READY_PREFIX, type ChildConfig } from './sdk-app-child.js';
import { SERVE_PATH, UNOVERRIDABLE_SDK_ENV } from './sdk-app.js';

const CHILD = join(import.meta.dirname, 'sdk-app-child.ts');
/** The repository root, so that `--import tsx` resolves from our node_modules. */
const ROOT = dirname(import.meta.dirname);
const READY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 10_000;
const OUTPUT_KEEP = 20_000;

export interface StartSdkAppProcessOptions {
  /** Path of an ESM module exporting `functions(inngest)` (and optionally `appId`). */
  module: string;
  /** 0 (default) = a free port, chosen at the first start and kept by `restart`. */
  port?: number;
  appId?: string;
  /** Cloud (signed) mode when set, else dev mode; as in startSdkApp. */
  signingKey?: string;
  signingKeyFallback?: string;
  eventApiUrl?: string;
  eventKey?: string;
  /** Added to the child's scrubbed environment (may set SDK variables on purpose). */
  env?: Record<string, string>;
  /**
   * The app's client takes its mode, base URL and keys from `env` (INNGEST_DEV, INNGEST_BASE_URL,
   * INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY) as a deployed app does; see startSdkApp.
   */
  configFromEnv?: boolean;
}

export interface SdkAppProcess {
  /** `http://127.0.0.1:PORT/api/inngest`; unchanged by restart. */
  readonly url: string;
  readonly port: number;
  /** The current child's pid (a new one after restart). */
  readonly pid: number;
  /** Signals the child (default SIGKILL) and, unless it is SIGSTOP/SIGCONT, waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the child if it still runs (SIGKILL), then starts a new one on the same port. */
  restart(): Promise<void>;
  /** Kills the child (SIGKILL) and waits for its exit; idempotent. */
  stop(): Promise<void>;
  /** The child's recent stdout and stderr (the last 20 000 characters), for failure messages. */
  output(): string;
}

/** Children still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startSdkAppProcess(opts: StartSdkAppProcessOptions): Promise<SdkAppProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const state = { output: '' };
  const config: ChildConfig = {
    module: resolve(opts.module),
    port: opts.port ?? 0,
    ...definedOnly(opts),
  };
  const env = childEnv(opts.env ?? {});
  let current = await spawnReady(config, env, state);
  config.port = current.port;
  const url = `http://127.0.0.1:${current.port}${SERVE_PATH}`;
  return {
    url,
    get port() {
      return config.port;
    },
    get pid() {
      return current.child.pid ?? -1;
    },
    kill: (signal = 'SIGKILL') => signalChild(current.child, signal),
    restart: async () => {
      await signalChild(current.child, 'SIGKILL');
      current = await spawnReady(config, env, state);
    },
    stop: () => signalChild(current.child, 'SIGKILL'),
    output: () => state.output,
  };
}

function definedOnly(opts: StartSdkAppProcessOptions): Partial<ChildConfig> {
  const out: Partial<ChildConfig> = {};
  for (const key of [
    'appId',
    'signingKey',
    'signingKeyFallback',
    'eventApiUrl',
    'eventKey',
  ] as const)
    if (opts[key] !== undefined) out[key] = opts[key];
  if (opts.configFromEnv) out.configFromEnv = true;
  return out;
}

/** The parent's environment without anything the SDK reads, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const sdkNames = new Set<string>(UNOVERRIDABLE_SDK_ENV);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(REACT_APP_|NEXT_PUBLIC_)?INNGEST_/.test(name) || sdkNames.has(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Spawns children until one is listening; retries while the port is still held (restart). */
async function spawnReady(
  config: ChildConfig,
  env: NodeJS.ProcessEnv,
  state: { output: string },
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await spawnOnce(config, env, state);
    } catch (err) {
      const inUse = (err as { exitCode?: number }).exitCode === EXIT_PORT_IN_USE;
      if (!inUse || attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function spawnOnce(
  config: ChildConfig,
  env: NodeJS.ProcessEnv,
  state: { output: string },
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const keep = (b: Buffer) => {
    state.output = (state.output + b.toString()).slice(-OUTPUT_KEEP);
  };
  child.stderr?.on('data', keep);
  return new Promise((resolveReady, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sdk-app child not ready after ${READY_TIMEOUT_MS} ms:\n${state.output}`));
    }, READY_TIMEOUT_MS);
    child.stdout?.on('data', (b: Buffer) => {
      keep(b);
      pending += b.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const ready = lines.find((line) => line.startsWith(READY_PREFIX));
      if (!ready) return;
      clearTimeout(timer);
      resolveReady({
        child,
        port: (JSON.parse(ready.slice(READY_PREFIX.length)) as { port: number }).port,
      });
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the sdk-app child: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const err = new Error(
        `sdk-app child exited (${signal ?? `code ${code}`}) before it was ready:\n${state.output}`,
      );
      reject(Object.assign(err, { exitCode: code }));
    });
  });
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
    child.kill(signal);
    return Promise.resolve();
  }
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sdk-app child ${child.pid} did not exit on ${signal}`)),
      EXIT_TIMEOUT_MS,
    );
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit();
    });
    child.kill(signal);
  });
}
