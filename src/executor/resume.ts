import { assert } from '../core/assert.js';
import type { QueueItem } from '../queue/item.js';
import type { HandlerContext, HandlerResult } from '../queue/processor/run/handler.js';
import type { Pause } from '../state/pause.js';
import type { StepRecord } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import type { RunItemPayload } from './item-payload.js';
import { JobIds } from './job-ids.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import type { RunFlow } from './flow.js';
import { buildRunItem, type RunIdentity } from './run-items.js';

/** The item that continues a run after a pause: a discovery (coalesced inside a parallel plan). */
function continuationOf(ctx: ExecutorContext, pause: Pause, timedOut: boolean): QueueItem {
  const jobId =
    pause.coalesceKey !== undefined && pause.parallelMode !== 'race'
      ? JobIds.coalescedDiscovery(pause.runId, pause.coalesceKey)
      : timedOut
        ? JobIds.resumedByTimeout(pause.jobPrefix, pause.stepId)
        : JobIds.resumedByEvent(pause.jobPrefix, pause.stepId);
  return buildRunItem(ctx, 'edge', jobId, pauseRun(pause), {});
}

/** The run a pause belongs to, as its items need it. */
function pauseRun(pause: Pause): RunIdentity {
  const run: RunIdentity = {
    runId: pause.runId,
    functionId: pause.functionId,
    maxAttempts: pause.maxAttempts,
  };
  if (pause.flow !== undefined) run.flow = pause.flow as RunFlow;
  return run;
}

/** The step record of a resumed pause: from when it was created to now. */
function pauseStepRecord(pause: Pause, now: number, failed: boolean): StepRecord {
  return {
    id: pause.stepId,
    name: pause.displayName ?? pause.stepId,
    op: pause.kind === 'invoke' ? 'InvokeFunction' : 'WaitForEvent',
    startedAt: pause.createdAt,
    endedAt: now,
    attempts: 1,
    ...(failed ? { failed: true } : {}),
  };
}

/** The pause's timeout item, as its planner built it (by the same job ID). */
function timeoutItemOf(ctx: ExecutorContext, pause: Pause): QueueItem {
  const jobId = JobIds.pauseTimeout(pause.jobPrefix, pause.stepId);
  const item = buildRunItem(
    ctx,
    'pause',
    jobId,
    pauseRun(pause),
    { pauseId: pause.id },
    pause.expiresAt,
  );
  assert(item.id === pause.timeoutItemId, `pause ${pause.id}: its timeout item is not ${item.id}`);
  return item;
}

/**
 * Resumes a waitForEvent or invoke pause with data (the matched event, the child's outcome):
 * exactly once, whoever comes first among events and the timeout (resumePause). Resolves to
 * whether this call resumed it.
 */
export async function resumeWithData(
  ctx: ExecutorContext,
  pause: Pause,
  memoJson: string,
): Promise<boolean> {
  const now = ctx.clock.now();
  const r = await ctx.store.resumePause({
    pause,
    memoJson,
    record: pauseStepRecord(pause, now, false),
    timeoutItem: timeoutItemOf(ctx, pause),
    continuation: continuationOf(ctx, pause, false),
  });
  if (r.status !== 'resumed') return false;
  resumedLifecycle(ctx, pause, false);
  return true;
}

/** A pause item fired: the pause times out (null for a wait, an error for an invoke). */
export async function onPauseTimeout(
  ctx: ExecutorContext,
  item: QueueItem,
  payload: RunItemPayload,
  handler: HandlerContext,
): Promise<HandlerResult | void> {
  const pause = payload.pauseId === undefined ? null : await ctx.store.pause(payload.pauseId);
  if (pause === null) return; // resumed (or its run ended) before: the item is simply acked
  const memoJson =
    pause.kind === 'invoke' ? JSON.stringify({ error: LimitErrors.invokeTimeout() }) : 'null';
  const now = ctx.clock.now();
  const r = await handler.settle((leaseId) =>
    ctx.store.resumePause({
      pause,
      memoJson,
      record: pauseStepRecord(pause, now, pause.kind === 'invoke'),
      timeoutItem: item,
      leaseId,
      continuation: continuationOf(ctx, pause, true),
    }),
  );
  if (r.status !== 'resumed') return;
  resumedLifecycle(ctx, pause, true);
  return { scheduledImmediateWork: !r.hasPending };
}

function resumedLifecycle(ctx: ExecutorContext, pause: Pause, timedOut: boolean): void {
  const run = {
    runId: pause.runId,
    functionId: pause.functionId,
    appId: '',
    accountId: ctx.accountId,
  };
  if (pause.kind === 'invoke')
    ctx.lifecycle.emit('onInvokeFunctionResumed', { run, stepId: pause.stepId, timedOut });
  else ctx.lifecycle.emit('onWaitForEventResumed', { run, stepId: pause.stepId, timedOut });
}

/** A sleep item fired: the sleeping step's memo becomes null and the run goes on. */
export async function wakeSleep(
  ctx: ExecutorContext,
  item: QueueItem,
  payload: RunItemPayload,
  handler: HandlerContext,
): Promise<HandlerResult | void> {
  const stepId = payload.sleepStepId as string;
  const identity: RunIdentity = {
    runId: payload.runId,
    functionId: payload.functionId,
    maxAttempts: payload.runMaxAttempts ?? item.maxAttempts,
    ...(payload.runFlow !== undefined ? { flow: payload.runFlow } : {}),
  };
  const coalesced = payload.coalesceKey !== undefined && payload.parallelMode !== 'race';
  const next = coalesced
    ? buildRunItem(
        ctx,
        'edge',
        JobIds.coalescedDiscovery(payload.runId, payload.coalesceKey as string),
        identity,
        {},
      )
    : buildRunItem(
        ctx,
        'edge',
        JobIds.discoveryAfter(payload.jobPrefix as string, stepId),
        identity,
        {},
      );
  const now = ctx.clock.now();
  const r = await handler.settle((leaseId) =>
    ctx.store.commitStep({
      item,
      leaseId,
      entries: [
        {
          type: 'memo',
          stepId,
          memoJson: 'null',
          record: {
            id: stepId,
            name: payload.displayName ?? stepId,
            op: 'Sleep',
            startedAt: item.enqueuedAt,
            endedAt: now,
            attempts: 1,
          },
        },
        { type: coalesced ? 'item-if-done' : 'item', item: next },
      ],
      ...(coalesced ? { die: 'reset-if-done' as const } : {}),
      maxStateBytes: RUN_LIMITS.maxStateBytes,
    }),
  );
  return { scheduledImmediateWork: r.status === 'committed' && !r.hasPending };
}
