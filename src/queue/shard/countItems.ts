import { LUA_SCRIPTS } from '../lua.generated.js';
import type { ShardContext } from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/countItems-1.lua */
export const countItemsScript = defineScript({
  script: LUA_SCRIPTS.countItems,
  keys: ['items'],
  args: [],
  statuses: [],
});

/** How many items the shard holds, whatever their state. */
export async function countItems(ctx: ShardContext): Promise<number> {
  const reply = await countItemsScript.run(ctx.transport, {
    keys: { items: ctx.keys.items() },
    args: {},
  });
  return Number(reply);
}
