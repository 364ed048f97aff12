import { isUlid } from '../core/ulid.js';
import type { QueueItem } from '../queue/item.js';
import { isOpen } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import { memoSteps } from './request.js';

/** What a `use_api` call fetches: the run's trigger events and its memo map. */
export interface RunData {
  /** The trigger events, as the request's `events` carries them. */
  events: unknown[];
  /** Step ID -> memo, exactly the request's `steps`. */
  actions: Record<string, unknown>;
}

/** A queue item of a run, as `GET /v1/runs/{id}/jobs` shows it. */
export interface RunJob {
  id: string;
  /** When it is due, ms epoch. */
  at: number;
  kind: string;
  /** 0-based count of its failed attempts. */
  attempt: number;
  /** The whole stored item. */
  raw: QueueItem;
}

/** Jobs jobsOf lists at most (Inngest's `GET /v1/runs/{id}/jobs` shows 10). */
export const RUN_JOBS_MAX = 10;
/** Items of a run read to pick the earliest RUN_JOBS_MAX from (a run rarely holds more). */
export const RUN_ITEMS_READ_MAX = 100;

/**
 * The run's events and memo as its next SDK request would carry them; null when its state is
 * gone: unknown, or ended (finishing a run deletes its memo, as Inngest deletes its state, whose
 * API then answers 410).
 */
export async function runData(ctx: ExecutorContext, runId: string): Promise<RunData | null> {
  if (typeof runId !== 'string' || !isUlid(runId)) return null;
  // No function ID: the function's definition is not needed here.
  const run = await ctx.store.loadRun(runId, '');
  if (run === null || !isOpen(run.meta.status)) return null;
  return { events: run.events, actions: memoSteps(run).steps };
}

/** Up to RUN_JOBS_MAX of its items, earliest due first, of the first RUN_ITEMS_READ_MAX by ID. */
export async function jobsOf(ctx: ExecutorContext, runId: string): Promise<RunJob[]> {
  if (typeof runId !== 'string' || !isUlid(runId)) return [];
  const items = await ctx.store.runItems(runId, RUN_ITEMS_READ_MAX);
  return items
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, RUN_JOBS_MAX)
    .map((item) => ({
      id: item.id,
      at: item.at,
      kind: item.kind,
      attempt: item.attempt,
      raw: item,
    }));
}
