import { UnknownVersionError } from '../core/errors.js';

/** The schema version of pause records (decode_pause.lua checks the same). */
export const PAUSE_VERSION = 1;

/**
 * A run waiting for something: an event (step.waitForEvent), an invoked run's finish
 * (step.invoke), or, for cancelOn, an event that cancels it.
 */
export interface Pause {
  id: string;
  runId: string;
  functionId: string;
  kind: 'wait' | 'invoke' | 'cancel';
  /** The step whose memo receives the resume data ('' for cancel pauses). */
  stepId: string;
  displayName?: string;
  /** The event name it listens for. */
  event: string;
  /** CEL over `async` (the candidate event), with the run's `event.*` already substituted. */
  expression?: string;
  expiresAt: number;
  createdAt: number;
  /** The run's trigger event IDs: a pause never resumes on its own trigger. */
  triggerEventIds: string[];
  /** The queue item that times it out (none for cancel pauses: they just expire). */
  timeoutItemId?: string;
  /** step.invoke: `<parentRunId>.<stepId>`. */
  correlationId?: string;
  /** The run's job-ID prefix (`<functionId>:<idempotencyKey>`): names its continuation. */
  jobPrefix: string;
  /** Attempts the continuation gets. */
  maxAttempts: number;
  /** The run's flow control (executor JSON), which the continuation carries. */
  flow?: unknown;
  /** The parallel plan it belongs to, if any (its continuation coalesces). */
  coalesceKey?: string;
  parallelMode?: string;
}

export function encodePause(p: Pause): string {
  return JSON.stringify({ v: PAUSE_VERSION, ...p });
}

export function decodePause(raw: string): Pause {
  const stored = JSON.parse(raw) as Pause & { v?: unknown };
  if (stored.v !== PAUSE_VERSION) throw new UnknownVersionError('pause', stored.v, [PAUSE_VERSION]);
  const { v: _v, ...pause } = stored;
  return pause;
}

/** A flat pauseId, pauseJson list (live_pauses.lua), decoded. */
export function decodePauseList(flat: readonly string[]): Pause[] {
  const out: Pause[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(decodePause(flat[i + 1] as string));
  return out;
}
