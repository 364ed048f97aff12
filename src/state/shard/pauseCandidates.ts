import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodePauseList, type Pause } from '../pause.js';
import type { StateContext } from './context.js';

/** lua/state/pauseCandidates-2.lua */
export const pauseCandidatesScript = defineScript({
  script: LUA_SCRIPTS.pauseCandidates,
  keys: ['pauseIndex', 'pauses'],
  args: [],
  statuses: [],
});

/** The pauses waiting for this event name. */
export async function pauseCandidates(ctx: StateContext, eventName: string): Promise<Pause[]> {
  const flat = (await pauseCandidatesScript.run(ctx.shard.transport, {
    keys: { pauseIndex: ctx.keys.pauseIndex(eventName), pauses: ctx.keys.pauses() },
    args: {},
  })) as string[];
  return decodePauseList(flat);
}
