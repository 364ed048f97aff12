import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(import.meta.dirname, 'processor-child.ts');

/** Starts a processor in a child process and resolves once it says "ready". */
export function startChildProcessor(args: {
  url: string;
  shard: string;
  concurrency: number;
  mode: 'record' | 'hang';
  leaseMs: number;
}): Promise<ChildProcess> {
  const argv = [args.url, args.shard, String(args.concurrency), args.mode, String(args.leaseMs)];
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes('ready')) resolve(child);
    });
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) =>
      reject(new Error(`child processor exited with ${code}: ${output.slice(-2000)}`)),
    );
  });
}

export function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Whether a process with this pid exists (a zombie not yet reaped counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
