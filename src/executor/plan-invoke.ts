import type { Opcode } from '../driver/opcodes.js';
import type { Pause } from '../state/pause.js';
import { parseSleepTarget } from './duration.js';
import { sendEvents } from './ingest.js';
import { invokeRateLimited } from './invoke-skip.js';
import { itemIdOf, JobIds } from './job-ids.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import { stringOpt, type OpsPlan, type PlanBuilder } from './plan-builder.js';

/**
 * InvokeFunction (reference §9): the invocation event goes out first (its ID derives from the
 * correlation ID, so a retried attempt starts no second child), then the commit writes the
 * pause the child's finish resumes, and its timeout item. An unknown target, or a child its rate
 * limit skipped, resumes the step at once with the error Inngest gives.
 */
export async function planInvoke(b: PlanBuilder, op: Opcode): Promise<OpsPlan | undefined> {
  const { loaded, prefix } = b.input;
  const target = stringOpt(op.opts, 'function_id') ?? '';
  const targetFn = await b.ctx.registry.get(target);
  if (targetFn === null) return failInvoke(b, op, LimitErrors.functionNotFound(target));
  const timeout = stringOpt(op.opts, 'timeout');
  const expiresAt =
    timeout === undefined
      ? b.now + RUN_LIMITS.defaultInvokeTimeoutMs
      : (parseSleepTarget(timeout, b.now) ?? b.now);
  const correlationId = `${loaded.meta.id}.${op.id}`;
  const pauseId = itemIdOf(`${loaded.meta.id}-${op.id}-invoke`);
  const item = b.item('pause', JobIds.pauseTimeout(prefix, op.id), { pauseId }, expiresAt);
  const pause: Pause = {
    id: pauseId,
    runId: loaded.meta.id,
    functionId: loaded.meta.functionId,
    kind: 'invoke',
    stepId: op.id,
    displayName: op.displayName ?? op.id,
    event: 'inngest/function.finished',
    expiresAt,
    createdAt: b.now,
    triggerEventIds: loaded.meta.eventIds,
    correlationId,
    jobPrefix: prefix,
    maxAttempts: loaded.meta.maxAttempts,
    ...(b.identity.flow !== undefined ? { flow: b.identity.flow } : {}),
    timeoutItemId: item.id,
    ...b.groupOf(op),
  };
  const [eventId] = await sendEvents(
    b.ctx,
    [invocationEvent(b, op, target, correlationId, expiresAt)],
    { internal: true },
  );
  if (await invokeRateLimited(b.ctx, targetFn, eventId as string))
    return failInvoke(b, op, LimitErrors.invokeRateLimited());
  b.entries.push({ type: 'pause', pause }, { type: 'item', item });
  b.afterCommit.push(() =>
    b.ctx.lifecycle.emit('onInvokeFunction', {
      run: b.input.ref,
      stepId: op.id,
      target,
      correlationId,
    }),
  );
  return undefined;
}

/** Resumes the invoking step with `error` at once: no child run will answer it. */
function failInvoke(b: PlanBuilder, op: Opcode, error: unknown): undefined {
  const memoJson = JSON.stringify({ error });
  b.entries.push({ type: 'memo', stepId: op.id, memoJson, record: b.record(op, true) });
  b.continueAfter(op, 'edge');
  return undefined;
}

function invocationEvent(
  b: PlanBuilder,
  op: Opcode,
  target: string,
  correlationId: string,
  expiresAt: number,
) {
  const { loaded } = b.input;
  const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
  return {
    name: 'inngest/function.invoked',
    id: `invoke-${correlationId}`,
    data: {
      ...(payload.data ?? {}),
      _inngest: {
        fn_id: target,
        correlation_id: correlationId,
        expire: expiresAt,
        name: op.displayName ?? op.id,
        source_app_id: loaded.meta.appId,
        source_fn_id: loaded.meta.functionId,
      },
    },
    ...(payload.v !== undefined ? { v: payload.v } : {}),
  };
}
