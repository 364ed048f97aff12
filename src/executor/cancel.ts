import { isOpen } from '../state/run.js';
import type { CancelReason } from './cancel-reason.js';
import type { ExecutorContext } from './context.js';
import { finishRun } from './finalize.js';

/**
 * Cancel (reference §10.2): ends the run as Cancelled, recording `reason`. Its queue items and
 * pauses go at once; a step already in flight may finish at the SDK, but its commit finds the run
 * ended and writes nothing. Resolves to whether this call cancelled it (false: no such run, or
 * it had ended).
 */
export async function cancelRun(
  ctx: ExecutorContext,
  runId: string,
  reason?: CancelReason,
): Promise<boolean> {
  const stored = await ctx.store.readRun(runId);
  if (stored === null || !isOpen(stored.meta.status)) return false;
  return await finishRun(ctx, {
    meta: stored.meta,
    status: 'cancelled',
    ...(reason !== undefined ? { cancelReason: reason } : {}),
  });
}
