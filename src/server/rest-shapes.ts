import { createHash } from 'node:crypto';
import { isoTime } from '../core/clock.js';
import type { StoredEventView } from '../executor/event-list.js';
import type { RunView } from '../executor/run-view.js';

/**
 * The REST v1 JSON shapes (reference §15). IDs that Inngest keeps as UUIDs (account,
 * environment, function) are name-based UUIDs here, stable across restarts and processes.
 */

/** A v5-style UUID derived from a name: the same name always gives the same UUID. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(`durq:${name}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RestIds {
  accountId: string;
  environmentId: string;
}

export function restIds(account: string): RestIds {
  return { accountId: nameUuid(`account:${account}`), environmentId: nameUuid(`env:${account}`) };
}

export function eventJson(e: StoredEventView, ids: RestIds): Record<string, unknown> {
  const out: Record<string, unknown> = {
    internal_id: e.internalId,
    account_id: ids.accountId,
    environment_id: ids.environmentId,
    source: 'event-api',
    source_id: null,
    received_at: isoTime(e.receivedAt),
    id: e.id,
    name: e.name,
    data: e.data,
    user: e.user,
    ts: e.ts,
  };
  if (e.v !== undefined) out.v = e.v;
  return out;
}

/**
 * Run status strings. `GET /v1/runs/:id` shows a run that has not finished as "Running" (queued
 * ones too); the runs of an event show a queued run as "Scheduled".
 */
const STATUS: Record<RunView['status'], string> = {
  scheduled: 'Scheduled',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export function runStatus(run: RunView, queuedAs: 'Running' | 'Scheduled'): string {
  return run.status === 'scheduled' ? queuedAs : STATUS[run.status];
}

export function functionRunJson(
  run: RunView,
  ids: RestIds,
  queuedAs: 'Running' | 'Scheduled',
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    run_id: run.id,
    run_started_at: isoTime(run.startedAt ?? run.createdAt),
    function_id: nameUuid(`function:${run.functionId}`),
    function_slug: run.functionId,
    function_version: 1,
    environment_id: ids.environmentId,
    event_id: run.eventIds[0] ?? null,
    status: runStatus(run, queuedAs),
    ended_at: run.endedAt === undefined ? null : isoTime(run.endedAt),
  };
  if (run.batchId !== undefined) out.batch_id = run.batchId;
  if (run.cron !== undefined) out.cron = run.cron;
  if (run.status === 'completed') out.output = run.output ?? null;
  if (run.status === 'failed') out.output = { error: run.error ?? null };
  // durq's own field (Inngest's run shape has none): why a cancelled run was cancelled.
  if (run.status === 'cancelled' && run.cancelReason !== undefined)
    out.cancel_reason = run.cancelReason;
  return out;
}

/** The `metadata` object of REST replies. */
export function metadata(nowMs: number, cacheMs: number): Record<string, string> {
  return { fetched_at: isoTime(nowMs), cached_until: isoTime(nowMs + cacheMs) };
}
