import { expiryIsLive } from '../../lease-liveness.js';
import { DurqError } from '../../../core/errors.js';
import type { Clock } from '../../../core/clock.js';
import type { Random } from '../../../core/random.js';
import { itemPayload, type QueueItem } from '../../item.js';
import type { QueueShard } from '../../shard.js';
import { itemPartition } from '../../shard/context.js';
import { LazyAbort } from '../abort.js';
import { leaseId } from '../../../core/ulid.js';
import { limitsFor } from '../scan/limits.js';
import type { Acker } from './acker.js';
import { retryDelayMs } from './backoff.js';
import type { Continuations } from '../scan/continuations.js';
import { DeferError, explicitRetryAt, isNonRetriable, type HandlerResult } from './handler.js';
import type { ResolvedOptions } from '../options.js';
import { Outage } from '../outage.js';
import type { Slots } from './slots.js';
import type { ProcessorStats } from '../stats.js';

/** An item a worker slot is running, as close() sees it. */
export interface RunningItem {
  item: QueueItem;
  shard: QueueShard;
  lease: { id: string; expiresAt: number };
  abort: LazyAbort;
  /** The lease extension in flight, if any (see LeaseExtender). */
  extension: Promise<void> | null;
  /** The last extension failed to reach Redis: retry at the next tick. */
  extendFailing: boolean;
  /** Set when close() requeued it: the handler's outcome no longer matters. */
  released: boolean;
  /** Set once the handler returned: close() leaves it to finish its ack or retry. */
  settling: boolean;
  /** Set when the handler settled the item itself (HandlerContext.settle). */
  selfSettled: boolean;
}

export interface WorkerEnv {
  opts: ResolvedOptions;
  clock: Clock;
  random: Random;
  slots: Slots;
  continuations: Continuations;
  stats: ProcessorStats;
  running: Map<string, RunningItem>;
  /** Items whose handler returned and whose ack or retry is in flight without a slot. */
  settlingWithoutSlot: number;
  /** Set when close() begins: no slot chains a follow-up item any more. */
  closing: boolean;
}

/** The reason a running item's signal aborts when its lease is lost. */
export class LeaseLostError extends DurqError {
  override name = 'LeaseLostError';

  constructor(message: string) {
    super('LEASE_LOST', message);
  }
}

type Outcome = { ok: true; result: HandlerResult | void } | { ok: false; error: unknown };

/** Runs one leased item in a slot: extends its lease, calls the handler, then acks or retries. */
export async function runItem(
  env: WorkerEnv,
  shard: QueueShard,
  acker: Acker,
  item: QueueItem,
  lease: RunningItem['lease'],
  chainDepth = 0,
): Promise<void> {
  const running: RunningItem = {
    item,
    shard,
    lease,
    abort: new LazyAbort(),
    extension: null,
    extendFailing: false,
    released: false,
    settling: false,
    selfSettled: false,
  };
  env.running.set(item.id, running);
  let slotHeld = true;
  let next: HandlerResult['next'];
  let follow: HandlerResult['next'];
  try {
    const outcome = await callHandler(env, shard, running, chainDepth);
    if (!running.released) running.settling = true;
    follow = outcome.ok && running.selfSettled ? outcome.result?.next : undefined;
    // The handler is done: its slot may take new work while the ack is in flight (unless it
    // chains a follow-up item into it). At most `concurrency` items settle without a slot, so
    // memory stays bounded if acks lag.
    if (
      follow === undefined &&
      running.settling &&
      env.settlingWithoutSlot < env.opts.concurrency
    ) {
      env.settlingWithoutSlot++;
      slotHeld = false;
      env.slots.release();
    }
    await running.extension;
    if (running.abort.aborted && !running.released) {
      env.stats.leaseLost++; // the lease is gone: the scavenger or another holder owns the item
    } else if (!running.released) {
      await settle(env, shard, acker, running, outcome);
      next = follow;
      // Its keys' slots are free again: an item of the partition refused for one may go now.
      if (item.customKeys.length > 0) env.continuations.add(itemPartition(item), env.clock.now());
    }
  } finally {
    // A retry of this item may already be running under a new lease: leave its entry alone.
    if (env.running.get(item.id) === running) env.running.delete(item.id);
    if (slotHeld && next === undefined) env.slots.release();
    else if (!slotHeld) {
      env.settlingWithoutSlot--;
      env.slots.release(0); // wakes shutdown, which waits for settling items
    }
  }
  // The slot passes to the chained item (its lease was taken in the handler's settling write),
  // unless the processor began closing meanwhile: then it goes back to its ready set at once.
  if (next !== undefined && !env.closing) {
    env.stats.chained++;
    await runItem(env, shard, acker, next.item, next.lease, chainDepth + 1);
    return;
  }
  if (next !== undefined) env.slots.release();
  const unrun = next ?? follow;
  if (unrun !== undefined) await handBack(env, shard, unrun);
}

/** A chained item this slot will not run (closing, or its predecessor lost its lease). */
async function handBack(
  env: WorkerEnv,
  shard: QueueShard,
  chained: NonNullable<HandlerResult['next']>,
): Promise<void> {
  const r = await shard
    .requeue(chained.item, chained.lease.id, { at: env.clock.now(), consumeAttempt: false })
    .catch((err: unknown) => {
      // its lease runs out and the scavenger returns it
      env.opts.log('warn', `could not hand back ${chained.item.id}`, { error: String(err) });
      return null;
    });
  if (r && !r.ok) env.stats.leaseLost++;
}

async function callHandler(
  env: WorkerEnv,
  shard: QueueShard,
  running: RunningItem,
  chainDepth: number,
): Promise<Outcome> {
  const { item } = running;
  // Items are taken by score up to lookaheadMs early; wait for that time, never longer.
  const waitMs = Math.min(item.score - env.clock.now(), env.opts.lookaheadMs);
  if (waitMs > 0) await env.clock.sleep(waitMs, running.abort.signal);
  if (running.abort.aborted) return { ok: false, error: running.abort.reason };
  // The process may have stalled (GC pause, suspended VM) past its lease while it waited: then the
  // item may already be running elsewhere, so it must not start here.
  if (abortIfExpired(env, running, 'before its handler started'))
    return { ok: false, error: running.abort.reason };
  env.stats.started++;
  try {
    const chains = !env.closing && chainDepth < env.opts.continuationLimit;
    const found = chains ? limitsFor(env.opts.limits, itemPartition(item)) : undefined;
    // Awaited only when the lookup answered a promise: a synchronous one adds no tick.
    // A lookup that fails (a Redis blip reading the registry) only costs the chain: the handler
    // still runs, and the next item goes through the scanner.
    const chainLimits = found instanceof Promise ? await found.catch(() => undefined) : found;
    const ctx = {
      // Read before each step with effects the fence cannot undo (an SDK request): a process
      // that stalled past its lease while the handler awaited (before the extender noticed)
      // finds the signal aborted, and does not act on an item that may be running elsewhere.
      get signal() {
        abortIfExpired(env, running, 'while its handler ran');
        return running.abort.signal;
      },
      attempt: item.attempt,
      payload: itemPayload(item),
      shard: shard.name,
      async settle<T>(op: (leaseId: string) => Promise<T>): Promise<T> {
        running.settling = true;
        await running.extension;
        running.selfSettled = true;
        return await op(running.lease.id);
      },
      ...(chainLimits === undefined
        ? {}
        : {
            chain: {
              newLease: () => {
                const expiresAt = env.clock.now() + env.opts.leaseMs;
                return { id: leaseId(expiresAt, env.random), expiresAt };
              },
              limits: chainLimits,
            },
          }),
    };
    return { ok: true, result: await env.opts.handler(item, ctx) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Aborts a running item whose lease has expired by this process's clock (unless it is settling:
 * the settle's fence decides then); returns whether it is aborted.
 */
export function abortIfExpired(env: WorkerEnv, running: RunningItem, when: string): boolean {
  const { lease, abort } = running;
  if (!abort.aborted && !running.settling && !expiryIsLive(lease.expiresAt, env.clock.now(), 0))
    abort.abort(new LeaseLostError(`lease of ${running.item.id} expired ${when}`));
  return abort.aborted;
}

/**
 * Settles an item: reports its handler's outcome to Redis, fenced by its lease (an ack, a retry,
 * or a permanent failure). In durq, "settle" means this and nothing else.
 */
async function settle(
  env: WorkerEnv,
  shard: QueueShard,
  acker: Acker,
  running: RunningItem,
  outcome: Outcome,
) {
  const { item, lease } = running;
  if (outcome.ok && running.selfSettled) {
    env.stats.succeeded++;
    if (outcome.result && outcome.result.scheduledImmediateWork) {
      env.continuations.add(itemPartition(item), env.clock.now());
    }
    return;
  }
  if (outcome.ok) {
    const r = await acker.dequeue(item, lease);
    if (!r.ok) return void env.stats.leaseLost++;
    env.stats.succeeded++;
    if (outcome.result && outcome.result.scheduledImmediateWork) {
      env.continuations.add(itemPartition(item), env.clock.now());
    }
    return;
  }
  if (outcome.error instanceof DeferError) {
    const at = Math.max(env.clock.now(), outcome.error.retryAt);
    const r = await withRetries(env, running, () =>
      shard.requeue(item, lease.id, { at, consumeAttempt: false }),
    );
    if (!r || !r.ok) env.stats.leaseLost++;
    return;
  }
  const final = isNonRetriable(outcome.error) || item.attempt + 1 >= item.maxAttempts;
  if (final) {
    const r = await acker.dequeue(item, lease);
    if (!r.ok) return void env.stats.leaseLost++;
    env.stats.failed++;
    callHook(env, () => env.opts.onPermanentFailure(item, outcome.error));
    return;
  }
  const now = env.clock.now();
  const backoff = { scale: env.opts.backoffScale, jitterMs: env.opts.retryJitterMs };
  const at = Math.max(
    now,
    explicitRetryAt(outcome.error) ?? now + retryDelayMs(item.attempt, env.random, backoff),
  );
  const r = await withRetries(env, running, () =>
    shard.requeue(item, lease.id, { at, consumeAttempt: true }),
  );
  if (r && r.ok) env.stats.retried++;
  else env.stats.leaseLost++;
}

/** Retries a Redis call through an outage until it answers or the lease runs out. */
async function withRetries<T>(
  env: WorkerEnv,
  running: RunningItem,
  call: () => Promise<T>,
): Promise<T | null> {
  const outage = new Outage(`settling ${running.item.id}`, env.opts.log);
  for (;;) {
    try {
      const r = await call();
      outage.succeeded();
      return r;
    } catch (err) {
      const waitMs = outage.failed(err);
      // past the lease, the scavenger takes over
      if (env.clock.now() + waitMs >= running.lease.expiresAt) return null;
      await env.clock.sleep(waitMs);
    }
  }
}

/** Runs a user hook; a hook that throws is logged, never allowed to break the worker. */
export function callHook(env: WorkerEnv, hook: () => void): void {
  try {
    hook();
  } catch (err) {
    try {
      env.opts.log('error', 'a processor hook threw', { error: String(err) });
    } catch {
      // the log hook itself threw: nothing left to tell
    }
  }
}
