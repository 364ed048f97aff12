import type { SkipReason, StepRecord } from '../state/run.js';
import type { StoredRun } from '../state/shard/readRun.js';

/** A run as the engine shows it (getRun): status, timing, outcome and its steps. */
export interface RunView {
  id: string;
  functionId: string;
  appId: string;
  status: 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';
  /** Why flow control skipped it (status 'skipped'): it never started and emitted no event. */
  skipReason?: SkipReason;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** The function's return value (completed runs). */
  output?: unknown;
  /** The error it failed with (failed runs), as the SDK serialized it. */
  error?: unknown;
  /** Why it was cancelled (cancelled runs; see CancelReason), when recorded. */
  cancelReason?: string;
  /** The trigger event(s). */
  events: unknown[];
  /** The trigger events' internal IDs (what `POST /e` answered), in order. */
  eventIds: string[];
  /** The event batch the run's events came in (batchEvents), if any. */
  batchId?: string;
  /** The cron schedule whose tick started it, if any. */
  cron?: string;
  /** Steps in completion order. */
  steps: StepRecord[];
}

export function toRunView(stored: StoredRun): RunView {
  const { meta } = stored;
  const view: RunView = {
    id: meta.id,
    functionId: meta.functionId,
    appId: meta.appId,
    status: meta.status,
    createdAt: meta.createdAt,
    events: stored.events,
    eventIds: meta.eventIds,
    steps: stored.steps,
  };
  if (meta.startedAt !== undefined) view.startedAt = meta.startedAt;
  if (meta.endedAt !== undefined) view.endedAt = meta.endedAt;
  if (meta.result !== undefined) view.output = meta.result;
  if (meta.error !== undefined) view.error = meta.error;
  if (meta.skipReason !== undefined) view.skipReason = meta.skipReason;
  if (meta.batchId !== undefined) view.batchId = meta.batchId;
  if (meta.cron !== undefined) view.cron = meta.cron;
  if (meta.cancelReason !== undefined) view.cancelReason = meta.cancelReason;
  return view;
}
