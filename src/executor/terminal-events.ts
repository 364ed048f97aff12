import type { ExecutorContext } from './context.js';
import type { FinishedRun } from './lifecycle.js';
import type { RunItemPayload } from './item-payload.js';
import { sendEvents } from './ingest.js';

const NO_FINISH_EVENTS_FOR = new Set(['inngest/function.failed', 'inngest/function.finished']);

/**
 * The finish item of a run (reference §12.2): emits `inngest/function.finished` (which also
 * completes an invoke) and `inngest/function.failed` or `.cancelled`, with the payloads Inngest
 * gives, then fires the terminal lifecycle. The events carry IDs derived from the run, so a
 * finish item that runs twice (a crash before its ack) starts no second onFailure run.
 */
export async function emitTerminalEvents(
  ctx: ExecutorContext,
  payload: RunItemPayload,
): Promise<void> {
  const stored = await ctx.store.readRun(payload.runId);
  if (stored === null) return;
  const { meta } = stored;
  if (meta.status !== 'completed' && meta.status !== 'failed' && meta.status !== 'cancelled')
    return;
  const trigger = (stored.events[0] ?? {}) as { name?: string; data?: Record<string, unknown> };
  const status = { completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' }[meta.status];
  const correlationId = (trigger.data?._inngest as { correlation_id?: unknown } | undefined)
    ?.correlation_id;
  if (!NO_FINISH_EVENTS_FOR.has(trigger.name ?? '')) {
    const data: Record<string, unknown> = {
      function_id: meta.functionId,
      run_id: meta.id,
      event: trigger,
      events: stored.events,
      ...(meta.status === 'completed' ? { result: meta.result ?? null } : {}),
      ...(meta.status === 'failed' ? { error: normalizedError(meta.error) } : {}),
      ...(typeof correlationId === 'string' ? { correlation_id: correlationId } : {}),
      _inngest: { status },
    };
    const events: unknown[] = [
      { name: 'inngest/function.finished', id: `${meta.id}-finished`, data },
    ];
    if (meta.status === 'failed')
      events.push({ name: 'inngest/function.failed', id: meta.id, data });
    if (meta.status === 'cancelled')
      events.push({ name: 'inngest/function.cancelled', id: meta.id, data });
    await sendEvents(ctx, events, { internal: true });
  }
  const finished: FinishedRun = {
    runId: meta.id,
    functionId: meta.functionId,
    appId: meta.appId,
    accountId: meta.accountId,
    status: meta.status,
    createdAt: meta.createdAt,
    endedAt: meta.endedAt ?? ctx.clock.now(),
    steps: stored.steps,
    ...(meta.startedAt !== undefined ? { startedAt: meta.startedAt } : {}),
    ...(meta.result !== undefined ? { result: meta.result } : {}),
    ...(meta.error !== undefined ? { error: meta.error } : {}),
  };
  if (meta.status === 'completed') ctx.lifecycle.emit('onFunctionFinished', finished);
  else if (meta.status === 'failed') ctx.lifecycle.emit('onFunctionFailed', finished);
  else ctx.lifecycle.emit('onFunctionCancelled', finished);
}

/** An SDK error body as Inngest passes it on: `name` and `message` always present. */
function normalizedError(error: unknown): Record<string, unknown> {
  const e = error && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  return {
    ...e,
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : 'Function execution error',
  };
}
