import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/readEvents-n.lua */
export const readEventsScript = defineScript({
  script: LUA_SCRIPTS.readEvents,
  keys: [],
  args: [],
  statuses: [],
  keysPerEntry: ['event'],
});

/** The stored JSON of each event (by internal ID), in order; null for one that is gone. */
export async function readEvents(
  ctx: StateContext,
  internalIds: readonly string[],
): Promise<(string | null)[]> {
  if (internalIds.length === 0) return [];
  const reply = (await readEventsScript.run(ctx.shard.transport, {
    keys: {},
    args: {},
    entries: internalIds.map((id) => ({ keys: { event: ctx.keys.event(id) }, args: {} })),
  })) as (string | null)[];
  return internalIds.map((_, i) => reply[i] ?? null);
}
