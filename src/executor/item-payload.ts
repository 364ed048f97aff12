import { UnknownVersionError } from '../core/errors.js';
import type { RunFlow } from './flow.js';

export const RUN_ITEM_VERSION = 1;

/**
 * What a run's queue item carries (its payload). The kind says what to do; these fields say
 * with what.
 */
export interface RunItemPayload {
  runId: string;
  functionId: string;
  /** The planned step to execute (edge items from StepPlanned); absent: a discovery. */
  stepId?: string;
  /** Sleep items: the step whose memo becomes null when it fires, and its name. */
  sleepStepId?: string;
  displayName?: string;
  /** Sleep items: the run's job-ID prefix (names the discovery that follows). */
  jobPrefix?: string;
  /**
   * Sleep items: the run's attempts per item, for the discovery that follows (the sleep item
   * itself retries as system items do).
   */
  runMaxAttempts?: number;
  /** Sleep items: the run's flow control, for the discovery that follows. */
  runFlow?: RunFlow;
  /** Pause-timeout items: the pause they time out. */
  pauseId?: string;
  /** Set on the items of a parallel plan: their completions coalesce into one discovery. */
  coalesceKey?: string;
  /** 'race' for Promise.race: every completion runs a discovery. */
  parallelMode?: string;
  /** Cancel items of a timeout (timeouts.ts): which deadline they enforce. */
  timeout?: 'start' | 'finish';
}

export function encodeRunItemPayload(p: RunItemPayload): Record<string, unknown> {
  return { v: RUN_ITEM_VERSION, ...p };
}

export function decodeRunItemPayload(raw: unknown): RunItemPayload {
  const p = raw as (RunItemPayload & { v?: unknown }) | null;
  if (p === null || typeof p !== 'object' || p.v !== RUN_ITEM_VERSION)
    throw new UnknownVersionError('run item payload', p?.v, [RUN_ITEM_VERSION]);
  const { v: _v, ...rest } = p;
  return rest;
}
