import { spawn, type ChildProcess } from 'node:child_process';

/** A message from a bench child: ready, an item started or ended (epoch ms), or a count. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'start'; i: number; t: number }
  | { type: 'end'; i: number; t: number; sent: number }
  | { type: 'error'; message: string }
  /** A producer child sent items [from, to) at epoch ms t; 'dumped' once it sent them all. */
  | { type: 'sent'; from: number; to: number; t: number }
  | { type: 'dumped' };

export interface BenchChild {
  proc: ChildProcess;
  /** Resolves once the child said it is ready. */
  ready: Promise<void>;
}

/**
 * Starts `file` (a .ts module) in a child process with `args` as JSON in argv[2] and an IPC
 * channel for its messages. The child inherits this process's core pinning.
 */
export function startChild(
  file: string,
  args: unknown,
  onMessage: (m: ChildMessage) => void,
): BenchChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', file, JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve();
      if (m.type === 'error') reject(new Error(`bench child ${file}: ${m.message}`));
      onMessage(m);
    });
    proc.once('exit', (code, signal) =>
      reject(new Error(`bench child ${file} exited (${code ?? signal}) before it was ready`)),
    );
  });
  return { proc, ready };
}

/** Stops a child: SIGTERM (or the given signal), then waits for its exit. */
export function stopChild(child: BenchChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    const { proc } = child;
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/** The most intervals open at once, from start/end events (epoch ms, any order). */
export function maxOverlap(events: { t: number; d: 1 | -1 }[]): number {
  // Ends sort before starts at the same instant: touching intervals do not overlap.
  const sorted = [...events].sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of sorted) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}

/** In a child: send a message to the parent (a no-op when there is no IPC channel). */
export function tellParent(m: ChildMessage): void {
  process.send?.(m);
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();
