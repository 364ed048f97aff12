import { encodeNewRunMeta, type SkipReason } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import { toSdkEvent, type StoredEvent } from './event.js';
import type { FunctionDefinition } from './function-config.js';
import { RUN_LIMITS } from './limits.js';

/** What Schedule answers for a run that flow control skipped (or the run its key names). */
export type SkipOutcome =
  { status: 'skipped'; runId: string; reason?: SkipReason } | { status: 'exists'; runId: string };

/**
 * Records a run skipped before its creation (rate limit, idempotency) in one script: status
 * 'skipped' with its reason, its events, its place in the event's run list; no item, no event.
 */
export async function skipNewRun(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  run: { runId: string; idempotencyKey: string; events: readonly StoredEvent[]; now: number },
  reason: SkipReason,
): Promise<SkipOutcome> {
  const eventsJson = JSON.stringify(run.events.map(toSdkEvent));
  return await recordSkippedRun(
    ctx,
    {
      runId: run.runId,
      idempotencyKey: run.idempotencyKey,
      meta: encodeNewRunMeta({
        id: run.runId,
        functionId: fn.id,
        appId: fn.appId,
        accountId: ctx.accountId,
        idempotencyKey: run.idempotencyKey,
        createdAt: run.now,
        maxAttempts: fn.maxAttempts,
        stateSize: eventsJson.length,
        eventIds: run.events.map((e) => e.internalId),
      }),
      eventsJson,
      eventId: (run.events[0] as StoredEvent).internalId,
    },
    reason,
  );
}

/** Records a skipped run from the metadata and events its creation would have written. */
export async function recordSkippedRun(
  ctx: ExecutorContext,
  run: {
    runId: string;
    idempotencyKey: string;
    meta: Record<string, string>;
    eventsJson: string;
    eventId: string;
  },
  reason: SkipReason,
): Promise<SkipOutcome> {
  return await ctx.store.skipRun({
    runId: run.runId,
    idempotencyKey: run.idempotencyKey,
    meta: run.meta,
    eventsJson: run.eventsJson,
    eventId: run.eventId,
    idempotencyTtlMs: RUN_LIMITS.idempotencyTtlMs,
    reason,
    retentionMs: ctx.retentionMs,
    eventRunsTtlMs: ctx.eventRetentionMs,
  });
}
