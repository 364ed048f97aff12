import { seededRandom } from '../core/random.js';
import { ulid } from '../core/ulid.js';
import type { QueueItem } from '../queue/item.js';
import { NonRetriableError, type HandlerContext } from '../queue/processor/run/handler.js';
import type { ExecutorContext } from './context.js';
import {
  cronIdempotencyKey,
  cronJitterMs,
  cronTickJobId,
  nextCronTick,
  rfc3339,
} from './cron-schedule.js';
import { validateEvents, type StoredEvent } from './event.js';
import type { FunctionDefinition } from './function-config.js';
import { itemIdOf } from './job-ids.js';
import { SYSTEM_ITEM_ATTEMPTS } from './run-items.js';
import { scheduleRun } from './schedule.js';

/**
 * Cron triggers (reference §11.8). Each (function, schedule) is a chain of `cron` items, one per
 * tick, each with a job ID derived from (function, schedule, tick time), so every process, a
 * re-sync and the health check enqueueing the same tick make one item. A tick item, due at its
 * fire time (tick + jitter): checks that the function still has the schedule (else the chain
 * stops), stores the `inngest/scheduled.timer` event (its internal ID derived from the job ID, so
 * a retry rewrites the same event), schedules the run (idempotency key = function + schedule +
 * tick, so a retry or a duplicate makes no second run), then enqueues the next tick. A crash at any
 * point retries the item, and every step of it is idempotent: no tick is skipped or doubled.
 * Chains are seeded at every sync and by a periodic `cron-health-check` item.
 */

export const CRON_EVENT_NAME = 'inngest/scheduled.timer';
/** How often the health check re-seeds missing chains, ms (on whole multiples of it). */
export const CRON_HEALTH_CHECK_MS = 5 * 60_000;
/**
 * A tick item running later than this after its tick (the engine was down) does not replay every
 * tick it missed: the chain goes on from this long before now, ms.
 */
export const CRON_CATCH_UP_MS_MAX = 10 * 60_000;
const CRON_PAYLOAD_VERSION = 1;

interface CronTickPayload {
  v: number;
  functionId: string;
  cron: string;
  /** The tick, epoch ms. */
  tickAt: number;
  /** The tick plus its jitter: when the run starts, epoch ms. */
  fireAt: number;
}

function queueNameOf(ctx: ExecutorContext): string {
  return `cron-${ctx.accountId}`;
}

/** The cron schedules of a function, each once, with the jitter its trigger asks for. */
export function cronTriggersOf(fn: FunctionDefinition): { cron: string; jitter?: string }[] {
  const seen = new Map<string, { cron: string; jitter?: string }>();
  for (const t of fn.triggers) if ('cron' in t && !seen.has(t.cron)) seen.set(t.cron, { ...t });
  return [...seen.values()];
}

/**
 * Enqueues the next tick of every cron trigger of `functions` (idempotent: a chain that has it
 * queued keeps its one item), and the health check when any has one. No Redis call without one.
 */
export async function seedCronChains(
  ctx: ExecutorContext,
  functions: readonly FunctionDefinition[],
): Promise<void> {
  const now = ctx.clock.now();
  let crons = 0;
  for (const fn of functions) {
    for (const trigger of cronTriggersOf(fn)) {
      crons++;
      const tickAt = nextCronTick(trigger.cron, now);
      if (tickAt !== null) await enqueueTick(ctx, fn.id, trigger, tickAt);
    }
  }
  if (crons > 0) await enqueueHealthCheck(ctx, now);
}

async function enqueueTick(
  ctx: ExecutorContext,
  functionId: string,
  trigger: { cron: string; jitter?: string },
  tickAt: number,
): Promise<void> {
  const jobId = cronTickJobId(functionId, trigger.cron, tickAt);
  const fireAt = tickAt + cronJitterMs(jobId, trigger.jitter);
  const payload: CronTickPayload = {
    v: CRON_PAYLOAD_VERSION,
    functionId,
    cron: trigger.cron,
    tickAt,
    fireAt,
  };
  await ctx.queue.enqueue({
    id: itemIdOf(jobId),
    kind: 'cron',
    queueName: queueNameOf(ctx),
    accountId: ctx.accountId,
    functionId,
    at: fireAt,
    maxAttempts: SYSTEM_ITEM_ATTEMPTS,
    payload,
  });
}

async function enqueueHealthCheck(ctx: ExecutorContext, now: number): Promise<void> {
  const at = (Math.floor(now / CRON_HEALTH_CHECK_MS) + 1) * CRON_HEALTH_CHECK_MS;
  await ctx.queue.enqueue({
    id: itemIdOf(`cron-health-check:${ctx.accountId}:${at}`),
    kind: 'cron-health-check',
    queueName: queueNameOf(ctx),
    accountId: ctx.accountId,
    at,
    maxAttempts: SYSTEM_ITEM_ATTEMPTS,
  });
}

/** The handler of the `cron`, `cron-health-check` and `cron-sync` items. */
export async function handleCronItem(
  ctx: ExecutorContext,
  item: QueueItem,
  hctx: HandlerContext,
): Promise<void> {
  if (item.kind === 'cron') return await runTick(ctx, decodeTickPayload(hctx.payload));
  // The health check and a sync item re-seed every chain; the health check goes on while any
  // function has a cron trigger (the next sync of one starts it again).
  await seedCronChains(ctx, await ctx.registry.functions());
}

function decodeTickPayload(raw: unknown): CronTickPayload {
  const p = raw as Partial<CronTickPayload> | null;
  if (
    p === null ||
    typeof p !== 'object' ||
    p.v !== CRON_PAYLOAD_VERSION ||
    typeof p.functionId !== 'string' ||
    typeof p.cron !== 'string' ||
    !Number.isSafeInteger(p.tickAt) ||
    !Number.isSafeInteger(p.fireAt)
  )
    throw new NonRetriableError(`cron item payload is not one this durq writes`);
  return p as CronTickPayload;
}

async function runTick(ctx: ExecutorContext, p: CronTickPayload): Promise<void> {
  const fn = await ctx.registry.get(p.functionId);
  const trigger = fn === null ? undefined : cronTriggersOf(fn).find((t) => t.cron === p.cron);
  if (fn === null || trigger === undefined) {
    ctx.log('info', `cron ${JSON.stringify(p.cron)} of ${p.functionId} is gone: its ticks stop`);
    return;
  }
  const event = await storeTimerEvent(ctx, p);
  await scheduleRun(ctx, fn, [event], {
    idempotencyKey: cronIdempotencyKey(fn.id, p.cron, p.tickAt),
    cron: p.cron,
  });
  const from = Math.max(p.tickAt, ctx.clock.now() - CRON_CATCH_UP_MS_MAX);
  const next = nextCronTick(p.cron, from);
  if (next !== null) await enqueueTick(ctx, fn.id, trigger, next);
}

/**
 * Stores the tick's `inngest/scheduled.timer` event (shown in the event list) under an internal
 * ID derived from the tick's job ID: a retried tick writes the same event again, not a second.
 */
async function storeTimerEvent(ctx: ExecutorContext, p: CronTickPayload): Promise<StoredEvent> {
  const now = ctx.clock.now();
  const internalId = ulid(p.fireAt, seededRandom(cronTickJobId(p.functionId, p.cron, p.tickAt)));
  const input = {
    name: CRON_EVENT_NAME,
    id: rfc3339(p.tickAt),
    data: { cron: p.cron, scheduledAt: rfc3339(p.tickAt), fireAt: rfc3339(p.fireAt) },
    ts: p.fireAt,
  };
  const [event] = validateEvents(input, {
    nowMs: now,
    newId: () => internalId,
    maxEventBytes: ctx.maxEventBytes,
    allowReserved: true,
  });
  const stored = event as StoredEvent;
  await ctx.store.ingestEvents(
    [{ internalId, name: stored.name, json: JSON.stringify({ ...stored, receivedAt: now }) }],
    { now, retentionMs: ctx.eventRetentionMs, knownVersion: ctx.registry.knownVersion },
  );
  return stored;
}
