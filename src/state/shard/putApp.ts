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

export interface PutAppResult {
  /** The registry version after the call (unchanged when nothing was). */
  version: number;
  /** Whether the stored app or any of its functions differed from what was given. */
  modified: boolean;
}

/**
 * Replaces an app's functions atomically. `appJson` must hold `functionIds` (the script reads it
 * back to remove functions the app dropped). A registration equal to the stored one writes
 * nothing.
 */
export async function putApp(
  ctx: StateContext,
  appId: string,
  appJson: string,
  functions: readonly { id: string; json: string }[],
): Promise<PutAppResult> {
  const reply = (await putAppScript.run(ctx.shard.transport, {
    keys: {
      apps: ctx.keys.apps(),
      functions: ctx.keys.functions(),
      registryVersion: ctx.keys.registryVersion(),
    },
    args: { appId, appJson, count: functions.length },
    entries: functions.map((f) => ({ args: { functionId: f.id, functionJson: f.json } })),
  })) as [number, number, number];
  putAppScript.status(reply[0]);
  return { version: reply[1], modified: reply[2] === 1 };
}
