import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/storeEvents-n.lua */
export const storeEventsScript = defineScript({
  script: LUA_SCRIPTS.storeEvents,
  keys: [],
  args: ['retentionMs'],
  statuses: ['OK'],
  keysPerEntry: ['event'],
  argsPerEntry: ['eventJson'],
});

export async function storeEvents(
  ctx: StateContext,
  events: readonly { internalId: string; json: string }[],
  retentionMs: number,
): Promise<void> {
  if (events.length === 0) return;
  const code = await storeEventsScript.run(ctx.shard.transport, {
    keys: {},
    args: { retentionMs },
    entries: events.map((e) => ({
      keys: { event: ctx.keys.event(e.internalId) },
      args: { eventJson: e.json },
    })),
  });
  storeEventsScript.status(code);
}
