import { decodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/runItems-2.lua */
export const runItemsScript = defineScript({
  script: LUA_SCRIPTS.runItems,
  keys: ['runItems', 'items'],
  args: ['limit'],
  statuses: [],
});

/** Up to `limit` of a run's queue items (the first by item ID); items already gone are left out. */
export async function runItems(
  ctx: StateContext,
  runId: string,
  limit: number,
): Promise<QueueItem[]> {
  const jsons = (await runItemsScript.run(ctx.shard.transport, {
    keys: { runItems: ctx.keys.runItems(runId), items: ctx.shard.keys.items() },
    args: { limit },
  })) as (string | null)[];
  return jsons.filter((j): j is string => j !== null).map(decodeItem);
}
