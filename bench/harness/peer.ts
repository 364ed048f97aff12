import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { BenchResult } from './result.js';
import type { Target } from './target.js';
import type {
  CapOptions,
  DrainOptions,
  EnqueueOptions,
  LatencyOptions,
  LatencyRun,
  LostLeasesOptions,
  NoisyOptions,
  NoisyOutcome,
} from '../workloads/options.js';

/** The BullMQ version the comparison installs: the current npm release when this was written. */
export const BULLMQ_VERSION = '6.7.0';

/** BullMQ's side of each workload (bench/peers/bullmq), with the same options as durq's. */
export interface BullPeer {
  version: string;
  drain(t: Target, name: string, o: DrainOptions, workload?: string): Promise<BenchResult>;
  enqueue(t: Target, name: string, o: EnqueueOptions): Promise<BenchResult>;
  latency(t: Target, name: string, o: LatencyOptions): Promise<LatencyRun>;
  concurrencyCap(t: Target, name: string, o: CapOptions): Promise<BenchResult>;
  noisyNeighbour(
    t: Target,
    name: string,
    o: NoisyOptions,
    layout: 'one-queue' | 'queue-per-tenant',
  ): Promise<NoisyOutcome>;
  lostLeases(t: Target, name: string, o: LostLeasesOptions): Promise<BenchResult>;
}

/**
 * Loads bench/peers/bullmq, installing BullMQ first if it is missing (see
 * bench/peers/bullmq/common.ts for why it is not a dependency).
 */
export async function loadBullmq(log: (s: string) => void): Promise<BullPeer> {
  // Check first: Node caches a failed import, so it could not be retried after installing.
  try {
    createRequire(import.meta.url).resolve('bullmq');
  } catch {
    log(`installing bullmq@${BULLMQ_VERSION} for the comparison (npm install --no-save)`);
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', `bullmq@${BULLMQ_VERSION}`],
      { stdio: 'ignore' },
    );
  }
  const peer = '../peers/bullmq/index.js'; // not a literal: the typecheck must not need BullMQ
  const mod = (await import(peer)) as Omit<BullPeer, 'version'>;
  const require = createRequire(import.meta.url);
  const { version } = require('bullmq/package.json') as { version: string };
  return { ...mod, version };
}
