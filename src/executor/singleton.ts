import type { CreateRunInput, CreateRunResult } from '../state/shard/createRun.js';
import { hashPart } from '../state/keys.js';
import { cancelRun } from './cancel.js';
import type { ExecutorContext } from './context.js';
import type { SdkEvent } from './event.js';
import { flowKeyOf } from './flow-key.js';
import type { FunctionDefinition } from './function-config.js';
import { recordSkippedRun } from './skip.js';

/** Holders a cancel-mode singleton cancels for one new run before it gives up (skipped). */
export const SINGLETON_CANCEL_COUNT_MAX = 3;

export type CreateOutcome = Exclude<CreateRunResult, { status: 'singleton-held' }>;

/** A singleton's lock ID for `event` (reference §11.5); undefined: no singleton for it. */
export function singletonLockOf(fn: FunctionDefinition, event: SdkEvent): string | undefined {
  const s = fn.singleton;
  if (s === undefined) return undefined;
  const key = flowKeyOf(fn.id, s.key, event, `singleton.key of ${fn.id}`);
  return key === null ? undefined : hashPart(key);
}

/**
 * Creates the run (createRun) and, for a singleton, takes its lock in the same script: at most
 * one open run per key. Skip mode: a held lock skips the new run (recorded as skipped, reason
 * 'singleton'). Cancel mode: the holder is cancelled (its finish releases the lock) and the
 * creation tried again; a competitor that takes the lock first is cancelled too, up to
 * SINGLETON_CANCEL_COUNT_MAX holders, after which the new run is skipped.
 */
export async function createSingletonRun(
  ctx: ExecutorContext,
  fn: FunctionDefinition,
  event: SdkEvent,
  input: CreateRunInput,
): Promise<CreateOutcome> {
  const lock = singletonLockOf(fn, event);
  if (lock === undefined) return asOutcome(await ctx.store.createRun(input));
  const cancels = fn.singleton?.mode === 'cancel' ? SINGLETON_CANCEL_COUNT_MAX : 0;
  for (let cancelled = 0; ; cancelled++) {
    const r = await ctx.store.createRun({ ...input, singletonLock: lock });
    if (r.status !== 'singleton-held') return r;
    if (cancelled >= cancels) return await recordSkippedRun(ctx, input, 'singleton');
    await cancelRun(ctx, r.runId, 'singleton');
  }
}

function asOutcome(r: CreateRunResult): CreateOutcome {
  // Without a lock the script never answers "held".
  if (r.status === 'singleton-held') return { status: 'exists', runId: r.runId };
  return r;
}
