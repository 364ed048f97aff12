import { unreachable } from '../../core/assert.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import type { BatchKeys } from '../batch-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/closeBatch-2.lua */
export const closeBatchScript = defineScript({
  script: LUA_SCRIPTS.closeBatch,
  keys: ['batches', 'batchEvents'],
  args: ['batchId'],
  statuses: ['OK', 'NOT_FOUND'],
});

/** A closed batch: its function and its events' stored JSON, in the order they came. */
export interface ClosedBatch {
  functionId: string;
  eventsJson: string[];
}

/** Closes a batch to new events and reads it; null when it is gone (its run was started). */
export async function closeBatch(
  ctx: StateContext,
  keys: BatchKeys,
  batchId: string,
): Promise<ClosedBatch | null> {
  const reply = (await closeBatchScript.run(ctx.shard.transport, {
    keys: { batches: keys.batches(), batchEvents: keys.batchEvents() },
    args: { batchId },
  })) as [number, ...(string | null)[]];
  const status = closeBatchScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return {
        functionId: reply[1] as string,
        eventsJson: reply.slice(2).filter((e): e is string => typeof e === 'string'),
      };
    case 'NOT_FOUND':
      return null;
    default:
      return unreachable(status, 'closeBatch status');
  }
}
