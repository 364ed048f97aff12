import { unreachable } from '../../core/assert.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import type { BatchKeys } from '../batch-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/deleteBatch-2.lua */
export const deleteBatchScript = defineScript({
  script: LUA_SCRIPTS.deleteBatch,
  keys: ['batches', 'batchEvents'],
  args: ['batchId'],
  statuses: ['OK', 'NOT_FOUND', 'BATCH_OPEN'],
});

/** Deletes a closed batch; 'open' (nothing deleted) for a batch not closed yet. */
export async function deleteBatch(
  ctx: StateContext,
  keys: BatchKeys,
  batchId: string,
): Promise<'deleted' | 'gone' | 'open'> {
  const reply = (await deleteBatchScript.run(ctx.shard.transport, {
    keys: { batches: keys.batches(), batchEvents: keys.batchEvents() },
    args: { batchId },
  })) as number;
  const status = deleteBatchScript.status(reply);
  switch (status) {
    case 'OK':
      return 'deleted';
    case 'NOT_FOUND':
      return 'gone';
    case 'BATCH_OPEN':
      return 'open';
    default:
      return unreachable(status, 'deleteBatch status');
  }
}
