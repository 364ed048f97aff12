import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { EngineOptions } from '../../src/executor/engine.js';

const CHILD = join(import.meta.dirname, 'engine-child.ts');
const ROOT = dirname(dirname(import.meta.dirname));
const READY_TIMEOUT_MS = 30_000;
const OUTPUT_KEEP = 50_000;

/** One lifecycle line of an engine child (see engine-child.ts). */
export interface ChildLifecycle {
  event: 'stepStarted' | 'stepFinished' | 'runFinished';
  runId: string;
  stepId?: string;
  attempt?: number;
  outcome?: string;
  status?: string;
}

/** Options of the child itself (see engine-child.ts), next to its engine's. */
export interface ChildOptions {
  /** Sync the app at the child's app URL before "ready", as `durq serve -u <url>` does. */
  syncApp?: boolean;
  /** Run the engine on a ManualClock starting at this epoch-ms time; see EngineChild.advance. */
  manualClockAt?: number;
}

export interface EngineChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Every lifecycle line so far, in order. */
  readonly lifecycle: ChildLifecycle[];
  /** Steps started and not finished by this process (by the lifecycle lines). */
  inFlight(): number;
  /**
   * Moves its manual clock forward by `ms` (`manualClockAt` children only), resolves to its new
   * time once the child has woken the sleepers due by then.
   */
  advance(ms: number): Promise<number>;
  /** Sets its manual clock to `at` (epoch ms, not backwards); resolves as `advance`. */
  setClock(at: number): Promise<number>;
  /** Signals it (default SIGKILL) and, unless SIGSTOP/SIGCONT, waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Its recent stdout and stderr (the last 50 000 characters), for failure messages. */
  output(): string;
}

/** Children still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a durq engine (`process: true`) in a child process on `redisUrl`, resolves once it says
 * "ready". Options are passed as JSON (no functions), with the child's own (ChildOptions). Kill it
 * with `kill()`; an afterAll must.
 */
export function startEngineChild(
  redisUrl: string,
  appUrl: string,
  options: Omit<EngineOptions, 'redis' | 'process' | 'listeners' | 'clock'> & ChildOptions = {},
): Promise<EngineChild> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, redisUrl, appUrl, JSON.stringify(options)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (text: string) => (output = (output + text).slice(-OUTPUT_KEEP));
  const lifecycle: ChildLifecycle[] = [];
  let pending = '';
  /** The answers awaited to clock commands, in the order sent (the child answers in order). */
  const clockWaiters: { resolve: (now: number) => void; reject: (err: Error) => void }[] = [];
  const clockCommand = (line: string) => {
    if (options.manualClockAt === undefined)
      return Promise.reject(new Error('the engine child has no manual clock (manualClockAt)'));
    if (child.exitCode !== null || child.signalCode !== null)
      return Promise.reject(new Error(`engine child ${child.pid} has exited`));
    return new Promise<number>((resolve, reject) => {
      clockWaiters.push({ resolve, reject });
      child.stdin?.write(`${line}\n`);
    });
  };
  child.once('exit', (code, signal) => {
    for (const w of clockWaiters.splice(0))
      w.reject(new Error(`engine child exited (${signal ?? `code ${code}`}) before answering`));
  });
  const handle: EngineChild = {
    pid: child.pid ?? -1,
    process: child,
    lifecycle,
    inFlight() {
      let n = 0;
      for (const l of lifecycle)
        if (l.event === 'stepStarted') n++;
        else if (l.event === 'stepFinished') n--;
      return n;
    },
    advance: (ms) => clockCommand(`advance ${ms}`),
    setClock: (at) => clockCommand(`at ${at}`),
    kill: (signal = 'SIGKILL') => signalChild(child, signal),
    output: () => output,
  };
  child.stderr?.on('data', (b: Buffer) => keep(b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine child not ready after ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    child.stdout?.on('data', (b: Buffer) => {
      const text = b.toString();
      keep(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('lifecycle '))
          lifecycle.push(JSON.parse(line.slice('lifecycle '.length)) as ChildLifecycle);
        else if (line.startsWith('clock ')) clockWaiters.shift()?.resolve(Number(line.slice(6)));
        else if (line.startsWith('clock-error '))
          clockWaiters.shift()?.reject(new Error(`engine child clock: ${line.slice(12)}`));
        else if (line.startsWith('ready ')) {
          clearTimeout(timer);
          resolve(handle);
        }
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the engine child: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`engine child exited (${signal ?? `code ${code}`}):\n${output}`));
    });
  });
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
    child.kill(signal);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`engine child ${child.pid} did not exit on ${signal}`)),
      10_000,
    );
    // 'close', not 'exit': by then every line the child wrote before it died has been read.
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
