import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/putApp-n.lua */
export const putAppScript = defineScript({
  script: LUA_SCRIPTS.putApp,
  keys: ['apps', 'functions', 'registryVersion'],
  args: ['appId', 'appJson', 'count'],
  statuses: ['OK'],
  argsPerEntry: ['functionId', 'functionJson'],
  countArg: 'count',
});

/**
 * Replaces an app's functions atomically. `appJson` must hold `functionIds` (the script reads it
 * back to remove functions the app dropped). Resolves to the new registry version.
 */
export async function putApp(
  ctx: StateContext,
  appId: string,
  appJson: string,
  functions: readonly { id: string; json: string }[],
): Promise<number> {
  const reply = (await putAppScript.run(ctx.shard.transport, {
    keys: {
      apps: ctx.keys.apps(),
      functions: ctx.keys.functions(),
      registryVersion: ctx.keys.registryVersion(),
    },
    args: { appId, appJson, count: functions.length },
    entries: functions.map((f) => ({ args: { functionId: f.id, functionJson: f.json } })),
  })) as [number, number];
  putAppScript.status(reply[0]);
  return reply[1];
}
