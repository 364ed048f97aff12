import type { Opcode } from '../driver/opcodes.js';
import type { Pause } from '../state/pause.js';
import { parseSleepTarget } from './duration.js';
import { InvalidExpressionError } from './errors.js';
import { compileExpression, interpolateEvent } from './expression.js';
import { itemIdOf, JobIds } from './job-ids.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import { stringOpt, type OpsPlan, type PlanBuilder } from './plan-builder.js';

/** Sleep: a sleep item at the wake-up time (duration in `opts.duration`, else `name`). */
export function planSleep(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  const spec = stringOpt(op.opts, 'duration') ?? op.name ?? '';
  const until = parseSleepTarget(spec, b.now);
  if (until === undefined)
    return {
      kind: 'retry',
      message: `Sleep op ${op.id} has an unreadable duration ${JSON.stringify(spec)}`,
    };
  if (until - b.now > RUN_LIMITS.maxSleepMs)
    return { kind: 'fail', error: LimitErrors.timeoutTooLong('sleep') };
  const payload = {
    sleepStepId: op.id,
    displayName: op.displayName ?? op.id,
    jobPrefix: b.input.prefix,
    runMaxAttempts: b.identity.maxAttempts,
    ...(b.identity.flow !== undefined ? { runFlow: b.identity.flow } : {}),
    ...b.groupOf(op),
  };
  const jobId = JobIds.sleep(b.input.prefix, op.id);
  b.entries.push({ type: 'item', item: b.item('sleep', jobId, payload, until) });
  b.afterCommit.push(() =>
    b.ctx.lifecycle.emit('onSleep', { run: b.input.ref, stepId: op.id, until }),
  );
  return undefined;
}

/**
 * WaitForEvent (reference §8.3): a pause on the event name whose `if` has the run's `event.*`
 * substituted now (so it depends on `async` only), and its timeout item. No look-back: only
 * events sent after the commit can resume it.
 */
export function planWaitForEvent(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  const { loaded, prefix } = b.input;
  const timeout = stringOpt(op.opts, 'timeout');
  const expiresAt = timeout === undefined ? b.now : (parseSleepTarget(timeout, b.now) ?? b.now);
  if (expiresAt - b.now > RUN_LIMITS.maxSleepMs)
    return { kind: 'fail', error: LimitErrors.timeoutTooLong('waitForEvent timeout') };
  const pauseId = itemIdOf(`${loaded.meta.id}-${op.id}-wait`);
  const item = b.item('pause', JobIds.pauseTimeout(prefix, op.id), { pauseId }, expiresAt);
  const pause: Pause = {
    id: pauseId,
    runId: loaded.meta.id,
    functionId: loaded.meta.functionId,
    kind: 'wait',
    stepId: op.id,
    displayName: op.displayName ?? op.id,
    event: stringOpt(op.opts, 'event') ?? op.name ?? '',
    expiresAt,
    createdAt: b.now,
    triggerEventIds: loaded.meta.eventIds,
    jobPrefix: prefix,
    maxAttempts: loaded.meta.maxAttempts,
    ...(b.identity.flow !== undefined ? { flow: b.identity.flow } : {}),
    timeoutItemId: item.id,
    ...b.groupOf(op),
  };
  const condition = stringOpt(op.opts, 'if');
  if (condition !== undefined) {
    try {
      pause.expression = interpolateEvent(condition, loaded.events[0], `waitForEvent ${op.id}`);
      compileExpression(pause.expression, `waitForEvent ${op.id}`);
    } catch (err) {
      if (!(err instanceof InvalidExpressionError)) throw err;
      return { kind: 'fail', error: { name: 'InvalidExpressionError', message: err.message } };
    }
  }
  b.entries.push({ type: 'pause', pause }, { type: 'item', item });
  b.afterCommit.push(() =>
    b.ctx.lifecycle.emit('onWaitForEvent', {
      run: b.input.ref,
      stepId: op.id,
      event: pause.event,
      expiresAt,
    }),
  );
  return undefined;
}
