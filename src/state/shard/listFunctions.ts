import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { flatToSortedRecord } from '../run.js';
import type { StateContext } from './context.js';

/** lua/state/listFunctions-2.lua */
export const listFunctionsScript = defineScript({
  script: LUA_SCRIPTS.listFunctions,
  keys: ['functions', 'registryVersion'],
  args: ['knownVersion'],
  statuses: [],
});

/** The registry version, and every function's JSON unless the caller's version is current. */
export async function listFunctions(
  ctx: StateContext,
  knownVersion: string | null,
): Promise<{ version: string; functions: Record<string, string> | null }> {
  const [version, flat] = (await listFunctionsScript.run(ctx.shard.transport, {
    keys: { functions: ctx.keys.functions(), registryVersion: ctx.keys.registryVersion() },
    args: { knownVersion: knownVersion ?? '' },
  })) as [string, string[]];
  return { version, functions: version === knownVersion ? null : flatToSortedRecord(flat) };
}
