import { isUlid, ulid } from '../core/ulid.js';
import { AttemptFailedError } from './attempt-error.js';
import type { Pause } from '../state/pause.js';
import { cancelRun } from './cancel.js';
import { isOpen } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import { toSdkEvent, validateEvents, type StoredEvent } from './event.js';
import { compileExpression } from './expression.js';
import { resumeWithData } from './resume.js';
import { scheduleRun } from './schedule.js';
import type { FunctionDefinition } from './function-config.js';
import { triggerFunction } from './trigger-function.js';
import { functionsForEvent } from './trigger-match.js';

export interface SendOptions {
  /** Events the engine emits itself (inngest/*): reserved names allowed. */
  internal?: boolean;
}

/**
 * send (reference §1, §8.4): validates every event first (a bad one refuses the whole call,
 * naming its index and field, and nothing is stored), stores them, then for each: starts one run
 * per matching function (one per function per event ID within 24 h), resumes the pauses waiting
 * for it, cancels the runs whose cancelOn it matches, and completes the invoke its
 * `inngest/function.finished` answers. Resolves to the internal IDs, in order. Each is stored
 * with the time it was received (`receivedAt`), which also orders the event index (listEvents).
 */
export async function sendEvents(
  ctx: ExecutorContext,
  input: unknown,
  opts: SendOptions = {},
): Promise<string[]> {
  const now = ctx.clock.now();
  const events = validateEvents(input, {
    nowMs: now,
    newId: () => ulid(ctx.clock.now(), ctx.random),
    maxEventBytes: ctx.maxEventBytes,
    allowReserved: opts.internal === true,
  });
  if (events.length === 0) return [];
  const read = await ctx.store.ingestEvents(
    events.map((e) => ({
      internalId: e.internalId,
      name: e.name,
      json: JSON.stringify({ ...e, receivedAt: now }),
    })),
    { now, retentionMs: ctx.eventRetentionMs, knownVersion: ctx.registry.knownVersion },
  );
  const functions = ctx.registry.functionsFrom(read.registryVersion, read.functions);
  // Events route concurrently: each one's runs, resumes and cancellations are its own.
  await Promise.all(
    events.map((event, i) => routeEvent(ctx, event, functions, read.pauses[i] ?? [])),
  );
  return events.map((e) => e.internalId);
}

async function routeEvent(
  ctx: ExecutorContext,
  event: StoredEvent,
  functions: readonly FunctionDefinition[],
  candidates: readonly Pause[],
): Promise<void> {
  if (event.name === 'inngest/function.invoked') {
    const target = (event.data._inngest as { fn_id?: unknown } | undefined)?.fn_id;
    const fn = functions.find((f) => f.id === target);
    if (fn !== undefined) await scheduleRun(ctx, fn, [event]);
    else ctx.log('warn', `invoked function ${String(target)} is not registered`);
  } else {
    for (const fn of functionsForEvent(functions, event)) await triggerFunction(ctx, fn, event);
  }
  await matchPauses(ctx, event, candidates);
  if (event.name === 'inngest/function.finished') await completeInvoke(ctx, event);
}

/** Every pause waiting for this event name whose expression the event satisfies. */
async function matchPauses(
  ctx: ExecutorContext,
  event: StoredEvent,
  candidates: readonly Pause[],
): Promise<void> {
  if (candidates.length === 0) return;
  const sdkEvent = toSdkEvent(event);
  const now = ctx.clock.now();
  for (const pause of candidates) {
    if (pause.expiresAt <= now) continue; // its timeout item decides
    if (pause.triggerEventIds.includes(event.internalId)) continue;
    if (!matches(pause, sdkEvent)) continue;
    if (pause.kind === 'cancel') {
      // A cancel event must be newer than the run (ULIDs order by time).
      if (event.internalId > pause.runId) await cancelRun(ctx, pause.runId, 'cancel-on');
      continue;
    }
    await resumeWithData(ctx, pause, JSON.stringify(sdkEvent));
  }
}

function matches(pause: Pause, sdkEvent: unknown): boolean {
  if (pause.expression === undefined) return true;
  return compileExpression(pause.expression, `pause ${pause.id}`).matches({ async: sdkEvent });
}

/**
 * The child finished before its parent's pause was written (the parent sends the invocation
 * first and commits the pause right after): while the parent is still open and its step has no
 * result, fail this attempt so that the finish item retries (its events are idempotent), and
 * the result reaches the pause once it exists.
 */
async function parentNotWaitingYet(ctx: ExecutorContext, correlationId: string): Promise<void> {
  const dot = correlationId.indexOf('.');
  const parentRunId = correlationId.slice(0, dot);
  const stepId = correlationId.slice(dot + 1);
  if (dot <= 0 || !isUlid(parentRunId)) return;
  const parent = await ctx.store.loadRun(parentRunId, '');
  if (parent === null || !isOpen(parent.meta.status)) return;
  if (parent.memo[stepId] !== undefined) return;
  throw new AttemptFailedError(
    `invoked run finished before its parent ${parentRunId} was waiting for it; retrying`,
  );
}

/** A child's finish resumes the invoking step with its result or error (reference §9.4). */
async function completeInvoke(ctx: ExecutorContext, event: StoredEvent): Promise<void> {
  const correlationId = event.data.correlation_id;
  if (typeof correlationId !== 'string') return;
  const pauseId = await ctx.store.invokePauseId(correlationId);
  const pause = pauseId === null ? null : await ctx.store.pause(pauseId);
  if (pause === null) return await parentNotWaitingYet(ctx, correlationId);
  const { error, result } = event.data as { error?: unknown; result?: unknown };
  const memo =
    error !== undefined ? { error } : result !== undefined ? { data: result } : toSdkEvent(event);
  await resumeWithData(ctx, pause, JSON.stringify(memo));
}
