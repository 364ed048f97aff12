import { ulid } from '../core/ulid.js';
import { batchEvent } from './batch.js';
import type { ExecutorContext } from './context.js';
import { debounceEvent } from './debounce.js';
import { toSdkEvent, type StoredEvent } from './event.js';
import type { FunctionDefinition } from './function-config.js';
import { idempotencyKeyOf } from './job-ids.js';
import { rateLimitSkip } from './rate-limit.js';
import { scheduleRun } from './schedule.js';
import { skipNewRun } from './skip.js';

/**
 * What an event does for a function its trigger matched (reference §4.1): a batched function's
 * event joins its key's batch (no rate limit: the batch's run is scheduled without one); a
 * debounced function's event, once past the rate limit (checked per event, before debounce),
 * joins its key's window, which starts the run; any other event schedules a run at once.
 */
export async function triggerFunction(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  event: StoredEvent,
): Promise<void> {
  if (fn.batchEvents !== undefined) return void (await batchEvent(ctx, fn, event));
  if (fn.debounce === undefined) return void (await scheduleRun(ctx, fn, [event]));
  const idempotencyKey = idempotencyKeyOf(fn.id, event.id);
  const limited = await rateLimitSkip(ctx, fn, toSdkEvent(event), idempotencyKey);
  if (limited === null) return void (await debounceEvent(ctx, fn, event));
  const now = ctx.clock.now();
  const runId = ulid(now, ctx.random);
  await skipNewRun(ctx, fn, { runId, idempotencyKey, events: [event], now }, limited);
}
