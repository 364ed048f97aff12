import { unreachable } from '../../core/assert.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { SkipReason } from '../run.js';
import { runScriptKeys, type StateContext } from './context.js';

/** lua/state/skipRun-4.lua */
export const skipRunScript = defineScript({
  script: LUA_SCRIPTS.skipRun,
  keys: ['idempotency', 'meta', 'events', 'eventRuns'],
  args: [
    'runId',
    'idempotencyTtlMs',
    'metaJson',
    'eventsJson',
    'now',
    'reason',
    'retentionMs',
    'eventRunsTtlMs',
  ],
  statuses: ['OK', 'RUN_EXISTS', 'RUN_SKIPPED'],
});

export interface SkipRunInput {
  runId: string;
  idempotencyKey: string;
  idempotencyTtlMs: number;
  /** The fields a new run's metadata has (encodeNewRunMeta); the script marks it skipped. */
  meta: Record<string, string>;
  eventsJson: string;
  reason: SkipReason;
  /** How long the record is kept (an ended run's retention). */
  retentionMs: number;
  /** The first trigger event's internal ID: the run joins its run list. */
  eventId: string;
  eventRunsTtlMs: number;
}

export type SkipRunResult =
  { status: 'skipped'; runId: string; reason?: SkipReason } | { status: 'exists'; runId: string };

/**
 * Records a skipped run in one script; when the idempotency key already names a run, that run
 * answers instead (`skipped` without a reason: it ended or was skipped before).
 */
export async function skipRun(ctx: StateContext, input: SkipRunInput): Promise<SkipRunResult> {
  const run = runScriptKeys(ctx, input.runId);
  const reply = (await skipRunScript.run(ctx.shard.transport, {
    keys: {
      idempotency: ctx.keys.idempotency(input.idempotencyKey),
      meta: run.meta,
      events: run.events,
      eventRuns: ctx.keys.eventRuns(input.eventId),
    },
    args: {
      runId: input.runId,
      idempotencyTtlMs: input.idempotencyTtlMs,
      metaJson: JSON.stringify(input.meta),
      eventsJson: input.eventsJson,
      now: ctx.shard.clock.now(),
      reason: input.reason,
      retentionMs: input.retentionMs,
      eventRunsTtlMs: input.eventRunsTtlMs,
    },
  })) as [number, string];
  const status = skipRunScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'skipped', runId: reply[1], reason: input.reason };
    case 'RUN_EXISTS':
      return { status: 'exists', runId: reply[1] };
    case 'RUN_SKIPPED':
      return { status: 'skipped', runId: reply[1] };
    default:
      return unreachable(status, 'skipRun status');
  }
}
