import { ulid } from '../core/ulid.js';
import { encodeNewRunMeta } from '../state/run.js';
import type { Pause } from '../state/pause.js';
import type { ExecutorContext } from './context.js';
import { toSdkEvent, type SdkEvent, type StoredEvent } from './event.js';
import { planRunFlow } from './flow.js';
import { interpolateEvent } from './expression.js';
import type { FunctionDefinition } from './function-config.js';
import { idempotencyKeyOf, itemIdOf, JobIds, stepPrefix } from './job-ids.js';
import { RUN_LIMITS } from './limits.js';
import { rateLimitSkip } from './rate-limit.js';
import { buildRunItem, type RunIdentity } from './run-items.js';
import type { ScheduleOptions } from './schedule-options.js';
import { createSingletonRun } from './singleton.js';
import { skipNewRun } from './skip.js';
import { timeoutItem, timeoutsOf } from './timeouts.js';

export type ScheduleResult =
  | { status: 'created'; runId: string }
  /** The idempotency key belongs to a run that has not ended (or one that ended: skipped). */
  | { status: 'exists' | 'skipped'; runId: string };

/**
 * Schedule (reference §4): creates a run of `fn` for its trigger event(s), with its idempotency
 * key (one run per function per event ID within 24 h), metadata, cancelOn pauses and start item,
 * in one script.
 */
export async function scheduleRun(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  events: readonly StoredEvent[],
  opts: ScheduleOptions = {},
): Promise<ScheduleResult> {
  const now = ctx.clock.now();
  const first = events[0] as StoredEvent;
  const runId = ulid(now, ctx.random);
  const idempotencyKey = opts.idempotencyKey ?? idempotencyKeyOf(fn.id, first.id);
  const sdkEvents = events.map(toSdkEvent);
  const limited = opts.preventRateLimit
    ? null
    : await rateLimitSkip(ctx, fn, sdkEvents[0] as SdkEvent, idempotencyKey);
  if (limited !== null)
    return await skipNewRun(ctx, fn, { runId, idempotencyKey, events, now }, limited);
  const { flow, throttle } = planRunFlow(fn, sdkEvents[0] as SdkEvent);
  const hasFlow = flow.customKeys !== undefined || flow.priorityFactorS !== undefined;
  const run: RunIdentity = {
    runId,
    functionId: fn.id,
    maxAttempts: fn.maxAttempts,
    ...(hasFlow ? { flow } : {}),
  };
  const startItem = buildRunItem(
    ctx,
    'start',
    JobIds.start(stepPrefix(fn.id, runId)),
    run,
    {},
    undefined,
    throttle,
  );
  const eventsJson = JSON.stringify(sdkEvents);
  // Batched runs get no cancelOn pauses and no start timeout (reference §11.2).
  const batched = opts.batchId !== undefined;
  const cancelPauses = batched ? [] : cancelPausesOf(fn, runId, events, sdkEvents, now);
  const startMs = batched ? undefined : timeoutsOf(fn).startMs;
  const r = await createSingletonRun(ctx, fn, sdkEvents[0] as SdkEvent, {
    runId,
    idempotencyKey,
    idempotencyTtlMs: RUN_LIMITS.idempotencyTtlMs,
    meta: withCron(opts.cron, {
      id: runId,
      functionId: fn.id,
      appId: fn.appId,
      accountId: ctx.accountId,
      idempotencyKey,
      createdAt: now,
      maxAttempts: fn.maxAttempts,
      stateSize: eventsJson.length,
      eventIds: events.map((e) => e.internalId),
      ...(hasFlow ? { flowJson: JSON.stringify(flow) } : {}),
      ...(opts.batchId !== undefined ? { batchId: opts.batchId } : {}),
    }),
    eventsJson,
    startItem,
    cancelPauses,
    eventId: first.internalId,
    eventRunsTtlMs: ctx.eventRetentionMs,
    ...(startMs !== undefined ? { cancelItem: timeoutItem(ctx, 'start', run, now + startMs) } : {}),
  });
  if (r.status === 'created') {
    ctx.lifecycle.emit('onFunctionScheduled', {
      run: { runId, functionId: fn.id, appId: fn.appId, accountId: ctx.accountId },
      events: sdkEvents,
    });
  }
  return r;
}

/** A new run's metadata fields, with the cron schedule that started it (field `cron`). */
function withCron(cron: string | undefined, m: Parameters<typeof encodeNewRunMeta>[0]) {
  const fields = encodeNewRunMeta(m);
  if (cron !== undefined) fields.cron = cron;
  return fields;
}

/** The run's cancelOn pauses (reference §10.1), its trigger's `event.*` substituted in `if`. */
function cancelPausesOf(
  fn: FunctionDefinition,
  runId: string,
  events: readonly StoredEvent[],
  sdkEvents: readonly SdkEvent[],
  now: number,
): Pause[] {
  return fn.cancel.map((c, i) => {
    const pause: Pause = {
      id: itemIdOf(`${runId}-cancel-${i}`),
      runId,
      functionId: fn.id,
      kind: 'cancel',
      stepId: '',
      event: c.event,
      expiresAt: now + (c.timeoutMs ?? RUN_LIMITS.defaultCancelTimeoutMs),
      createdAt: now,
      triggerEventIds: events.map((e) => e.internalId),
      jobPrefix: stepPrefix(fn.id, runId),
      maxAttempts: fn.maxAttempts,
    };
    if (c.if !== undefined)
      pause.expression = interpolateEvent(c.if, sdkEvents[0], `cancelOn[${i}] of ${fn.id}`);
    return pause;
  });
}
