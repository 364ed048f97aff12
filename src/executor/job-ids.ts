import { createHash } from 'node:crypto';

/**
 * Deterministic job IDs (after Inngest's, reference §3.2): every item a run enqueues has an ID
 * derived from what it is, so that a retried handler, a duplicate SDK report or a competing
 * resume collapse into one queue item (the queue refuses a live or tombstoned ID). The queue
 * stores the SHA-1 of the job ID (a safe key part of fixed length).
 */
export function itemIdOf(jobId: string): string {
  return createHash('sha1').update(jobId).digest('hex');
}

/** A short stable hash (16 hex chars of SHA-1), as Inngest's H(). */
export function shortHash(value: string): string {
  return createHash('sha1').update(value).digest('hex').slice(0, 16);
}

/** The run's idempotency key: one run per function per idempotency source (an event ID). */
export function idempotencyKeyOf(functionId: string, source: string): string {
  return `${shortHash(functionId)}-${shortHash(source)}`;
}

/**
 * The prefix of every job ID of a run: `<functionId>:<runId>`. (Inngest's is the idempotency
 * key, which a run created after the key's 24 h shares with an older one still queued; the run
 * ID is unique, and a run is only ever created once per key while the key holds.)
 */
export function stepPrefix(functionId: string, runId: string): string {
  return `${functionId}:${runId}`;
}

/** The key that coalesces a parallel plan's discoveries: a hash of the run and its op IDs. */
export function coalesceKeyOf(runId: string, opIds: readonly string[]): string {
  return shortHash([runId, ...[...opIds].sort()].join('\u0000'));
}

export const JobIds = {
  start: (prefix: string) => prefix,
  discoveryAfter: (prefix: string, stepId: string) => `${prefix}-${stepId}`,
  coalescedDiscovery: (runId: string, coalesceKey: string) => `${runId}-${coalesceKey}-discover`,
  planned: (prefix: string, stepId: string) => `${prefix}-${stepId}-plan`,
  failureDiscovery: (prefix: string, stepId: string) => `${prefix}-${stepId}-failure`,
  sleep: (prefix: string, stepId: string) => `${prefix}-${stepId}-sleep`,
  pauseTimeout: (prefix: string, stepId: string) => `${prefix}-${stepId}-pause`,
  resumedByEvent: (prefix: string, stepId: string) => `${prefix}-${stepId}-event`,
  resumedByTimeout: (prefix: string, stepId: string) => `${prefix}-${stepId}-timeout`,
  redrive: (prefix: string, itemId: string, attempt: number) =>
    `${prefix}-redrive-${itemId}-${attempt}`,
  finish: (runId: string) => `${runId}-finish`,
  timeout: (prefix: string, kind: 'start' | 'finish') => `${prefix}-timeout-${kind}`,
} as const;
