import { UnknownVersionError } from '../core/errors.js';

/** The schema version of run metadata (run_is_open.lua checks the same). */
export const RUN_VERSION = 1;

export const RUN_STATUSES = [
  'scheduled',
  'running',
  'completed',
  'failed',
  'cancelled',
  'skipped',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'skipped',
]);

/** Why flow control skipped a run (status 'skipped'): it never started and emits no event. */
export type SkipReason = 'rate-limit' | 'idempotency' | 'singleton';

/** Whether steps may still commit to a run in this status (run_is_open.lua has the same rule). */
export function isOpen(status: RunStatus): boolean {
  return !TERMINAL_STATUSES.has(status);
}

/** A run's metadata, as the metadata hash stores it (every field a string there). */
export interface RunMeta {
  id: string;
  functionId: string;
  appId: string;
  accountId: string;
  status: RunStatus;
  idempotencyKey: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Attempts each of the run's queue items gets (retries + 1). */
  maxAttempts: number;
  /** disable_immediate_execution: set after a parallel plan, cleared at its fan-in. */
  die: boolean;
  /** The request version the SDK reported (-1 until its first opcode response). */
  requestVersion: number;
  stepCount: number;
  stateSize: number;
  eventIds: string[];
  /** The executor's flow control for the run's items (JSON it wrote at creation), if any. */
  flow?: unknown;
  /** Why it was skipped (status 'skipped'). */
  skipReason?: SkipReason;
  /** The singleton lock it holds while open (its ID, see executor/singleton.ts). */
  singletonLock?: string;
  /** The event batch the run's events came in (batchEvents), if any. */
  batchId?: string;
  /** The cron schedule whose tick started it, if any. */
  cron?: string;
  result?: unknown;
  error?: unknown;
  /** Why a cancelled run was cancelled (finishRun's cancelReason), when it was given one. */
  cancelReason?: string;
}

/** The fields createRun writes. */
export function encodeNewRunMeta(m: {
  id: string;
  functionId: string;
  appId: string;
  accountId: string;
  idempotencyKey: string;
  createdAt: number;
  maxAttempts: number;
  stateSize: number;
  eventIds: string[];
  flowJson?: string;
  batchId?: string;
}): Record<string, string> {
  const fields: Record<string, string> = {
    v: String(RUN_VERSION),
    id: m.id,
    fn: m.functionId,
    app: m.appId,
    acct: m.accountId,
    status: 'scheduled',
    idem: m.idempotencyKey,
    created_at: String(m.createdAt),
    max_attempts: String(m.maxAttempts),
    die: '0',
    rv: '-1',
    step_count: '0',
    state_size: String(m.stateSize),
    event_ids: JSON.stringify(m.eventIds),
  };
  if (m.flowJson !== undefined) fields.flow = m.flowJson;
  if (m.batchId !== undefined) fields.batch_id = m.batchId;
  return fields;
}

/** Metadata from HGETALL's flat field/value list; null when the hash is empty (no such run). */
export function decodeRunMeta(flat: readonly string[]): RunMeta | null {
  if (flat.length === 0) return null;
  const f = flatToRecord(flat);
  if (f.v !== String(RUN_VERSION)) throw new UnknownVersionError('run', f.v, [RUN_VERSION]);
  const meta: RunMeta = {
    id: f.id as string,
    functionId: f.fn as string,
    appId: f.app as string,
    accountId: f.acct as string,
    status: f.status as RunStatus,
    idempotencyKey: f.idem as string,
    createdAt: Number(f.created_at),
    maxAttempts: Number(f.max_attempts),
    die: f.die === '1',
    requestVersion: Number(f.rv ?? -1),
    stepCount: Number(f.step_count ?? 0),
    stateSize: Number(f.state_size ?? 0),
    eventIds: JSON.parse(f.event_ids ?? '[]') as string[],
  };
  if (f.started_at !== undefined) meta.startedAt = Number(f.started_at);
  if (f.ended_at !== undefined) meta.endedAt = Number(f.ended_at);
  if (f.flow !== undefined) meta.flow = JSON.parse(f.flow);
  if (f.skip !== undefined) meta.skipReason = f.skip as SkipReason;
  if (f.singleton !== undefined) meta.singletonLock = f.singleton;
  if (f.batch_id !== undefined) meta.batchId = f.batch_id;
  if (f.cron !== undefined) meta.cron = f.cron;
  if (f.result !== undefined) meta.result = JSON.parse(f.result);
  if (f.error !== undefined) meta.error = JSON.parse(f.error);
  if (f.cancel_reason !== undefined) meta.cancelReason = f.cancel_reason;
  return meta;
}

/**
 * A flat HGETALL list as an object with its keys in sorted order: a hash's own order differs
 * from server to server, and whoever iterates the result (e.g. the functions an event triggers)
 * must not.
 */
export function flatToSortedRecord(flat: readonly string[]): Record<string, string> {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    pairs.push([flat[i] as string, flat[i + 1] as string]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(pairs);
}

/** A flat HGETALL list as an object. */
export function flatToRecord(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/** What the run keeps per step: the step list of a finished run, and its spans. */
export interface StepRecord {
  id: string;
  /** The user's step ID or display name. */
  name: string;
  /** The opcode that produced it (StepRun, StepFailed, Sleep, WaitForEvent, InvokeFunction). */
  op: string;
  startedAt: number;
  endedAt: number;
  /** Attempts it took (1 = first try). */
  attempts: number;
  failed?: boolean;
}
