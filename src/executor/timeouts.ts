import type { QueueItem } from '../queue/item.js';
import type { RunMeta } from '../state/run.js';
import type { CancelReason } from './cancel-reason.js';
import type { ExecutorContext } from './context.js';
import { parseDurationMs } from './duration.js';
import type { FunctionDefinition } from './function-config.js';
import { JobIds, stepPrefix } from './job-ids.js';
import { buildRunItem, type RunIdentity } from './run-items.js';

/**
 * A function's `timeouts` (reference §11.7): `start` runs from the run's creation until its first
 * step starts, `finish` from that first start until the run ends. A run that misses either ends
 * Cancelled, with the timeout as its reason.
 */
export type TimeoutKind = 'start' | 'finish';

export const TIMEOUT_REASONS: Readonly<Record<TimeoutKind, CancelReason>> = {
  start: 'start-timeout',
  finish: 'finish-timeout',
};

/** The timeouts of a function, ms; an absent one is undefined. */
export interface RunTimeouts {
  startMs?: number;
  finishMs?: number;
}

/** The function's timeouts (its config's strings were checked at sync). */
export function timeoutsOf(fn: FunctionDefinition): RunTimeouts {
  const t = fn.timeouts;
  const out: RunTimeouts = {};
  if (t?.start !== undefined) out.startMs = parseDurationMs(t.start) as number;
  if (t?.finish !== undefined) out.finishMs = parseDurationMs(t.finish) as number;
  return out;
}

export function hasTimeouts(t: RunTimeouts): boolean {
  return t.startMs !== undefined || t.finishMs !== undefined;
}

/**
 * The deadline of one of the run's timeouts, ms, or undefined when it does not apply: the
 * function has none, or (start) the run has started or is a batch's (batched runs have no start
 * timeout, reference §11.2), or (finish) it has not started.
 */
export function deadlineOf(
  kind: TimeoutKind,
  meta: Pick<RunMeta, 'createdAt' | 'startedAt' | 'batchId'>,
  t: RunTimeouts,
): number | undefined {
  if (kind === 'start') {
    if (t.startMs === undefined || meta.startedAt !== undefined) return undefined;
    if (meta.batchId !== undefined) return undefined;
    return meta.createdAt + t.startMs;
  }
  if (t.finishMs === undefined || meta.startedAt === undefined) return undefined;
  return meta.startedAt + t.finishMs;
}

/** The timeout a step starting at `now` is past (at or after its deadline), if any. */
export function missedTimeout(
  meta: Pick<RunMeta, 'createdAt' | 'startedAt' | 'batchId'>,
  t: RunTimeouts,
  now: number,
): TimeoutKind | undefined {
  for (const kind of ['start', 'finish'] as const) {
    const deadline = deadlineOf(kind, meta, t);
    if (deadline !== undefined && now >= deadline) return kind;
  }
  return undefined;
}

/**
 * The eager cancel item of a timeout, due at its deadline: one per run and kind (its job ID), on
 * the run's partition. When it fires it cancels the run only if the deadline still applies.
 */
export function timeoutItem(
  ctx: ExecutorContext,
  kind: TimeoutKind,
  run: RunIdentity,
  at: number,
): QueueItem {
  const jobId = JobIds.timeout(stepPrefix(run.functionId, run.runId), kind);
  return buildRunItem(ctx, 'cancel', jobId, run, { timeout: kind }, at);
}
