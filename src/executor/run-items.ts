import type { ItemKind, QueueItem, ThrottleInput } from '../queue/item.js';
import type { RunMeta } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import type { RunFlow } from './flow.js';
import { encodeRunItemPayload, type RunItemPayload } from './item-payload.js';
import { itemIdOf } from './job-ids.js';

/** Attempts of items that call no SDK (Inngest gives its system items 21). */
export const SYSTEM_ITEM_ATTEMPTS = 21;
const SYSTEM_KINDS: ReadonlySet<ItemKind> = new Set(['sleep', 'pause', 'finish', 'cancel']);
/** Items that call the SDK: they hold the run's concurrency slots and get its priority. */
const STEP_KINDS: ReadonlySet<ItemKind> = new Set(['start', 'edge', 'edge-error']);

/** The run an item belongs to, as items need it. */
export interface RunIdentity {
  runId: string;
  functionId: string;
  maxAttempts: number;
  /** Its flow control (concurrency keys, priority), as scheduled. */
  flow?: RunFlow;
}

/** The identity a run's items carry, from its metadata. */
export function identityOf(meta: RunMeta): RunIdentity {
  const identity: RunIdentity = {
    runId: meta.id,
    functionId: meta.functionId,
    maxAttempts: meta.maxAttempts,
  };
  if (meta.flow !== undefined) identity.flow = meta.flow as RunFlow;
  return identity;
}

/**
 * A queue item of a run, built (validated and scored) by the queue but not stored: the
 * run-state scripts store it together with what it depends on. Its ID is the job ID's hash.
 */
export function buildRunItem(
  ctx: ExecutorContext,
  kind: ItemKind,
  jobId: string,
  run: RunIdentity,
  payload: Omit<RunItemPayload, 'runId' | 'functionId'>,
  at?: number,
  throttle?: ThrottleInput,
): QueueItem {
  const flow = STEP_KINDS.has(kind) ? run.flow : undefined;
  return ctx.queue.buildItem({
    id: itemIdOf(jobId),
    kind,
    accountId: ctx.accountId,
    functionId: run.functionId,
    runId: run.runId,
    // Items that call no SDK (timers, the finish, cancellations) retry as system items do:
    // their attempts are no step's budget, and a Redis blip must not drop them.
    maxAttempts: SYSTEM_KINDS.has(kind) ? SYSTEM_ITEM_ATTEMPTS : run.maxAttempts,
    at: at ?? ctx.clock.now(),
    payload: encodeRunItemPayload({ runId: run.runId, functionId: run.functionId, ...payload }),
    ...(flow?.customKeys !== undefined ? { customKeys: flow.customKeys } : {}),
    ...(flow?.priorityFactorS !== undefined ? { priorityFactorS: flow.priorityFactorS } : {}),
    ...(throttle !== undefined && kind === 'start' ? { throttle } : {}),
  });
}
