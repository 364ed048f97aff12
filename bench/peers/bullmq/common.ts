/**
 * Shared pieces of BullMQ's side of the benchmark. BullMQ is not a dependency of durq: this
 * registry lacks its optional native packages for other platforms, so a lockfile holding it
 * fails `npm ci`. `npm run bench` installs it on demand (`npm install --no-save`), and
 * bench/peers is excluded from the typecheck.
 */
import type { Queue } from 'bullmq';
import type { Target } from '../../harness/target.js';

/** Options every job gets: nothing kept after it ends, as durq keeps nothing. */
export const JOB_OPTS = { removeOnComplete: true, removeOnFail: true };

/** A hash-tagged prefix, so that one queue's keys share a cluster slot. */
export const prefixFor = (name: string): string => `{${name}}`;

/** Adds `n` jobs in bulks of 1000; job data carries its index. */
export async function preload(queue: Queue, n: number, data = (i: number) => ({ i })) {
  for (let i = 0; i < n; i += 1000) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + 1000); j++)
      jobs.push({ name: 'job', data: data(j), opts: JOB_OPTS });
    await queue.addBulk(jobs);
  }
}

/** Closes BullMQ objects and their connections, then removes the run's keys. */
export async function cleanup(
  target: Target,
  name: string,
  closables: { close(): Promise<unknown> }[],
  connections: { disconnect(): void }[],
): Promise<void> {
  for (const c of closables) await c.close();
  for (const c of connections) c.disconnect();
  await target.removeKeys(`${prefixFor(name)}*`);
}
