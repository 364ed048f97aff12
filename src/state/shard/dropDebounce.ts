import { defineScript } from '../../queue/shard/script-spec.js';
import type { DebounceKeys } from '../debounce-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/dropDebounce-1.lua */
export const dropDebounceScript = defineScript({
  script: LUA_SCRIPTS.dropDebounce,
  keys: ['windows'],
  args: ['windowId'],
  statuses: ['OK', 'NOT_FOUND'],
});

/** Removes a closed window; false when there was no closed window of that ID. */
export async function dropDebounce(
  ctx: StateContext,
  keys: DebounceKeys,
  windowId: string,
): Promise<boolean> {
  const reply = await dropDebounceScript.run(ctx.shard.transport, {
    keys: { windows: keys.windows() },
    args: { windowId },
  });
  return dropDebounceScript.status(reply) === 'OK';
}
