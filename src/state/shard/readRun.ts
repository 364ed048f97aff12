import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodeRunMeta, flatToRecord, type RunMeta, type StepRecord } from '../run.js';
import { runScriptKeys, type StateContext } from './context.js';

/** lua/state/readRun-4.lua */
export const readRunScript = defineScript({
  script: LUA_SCRIPTS.readRun,
  keys: ['meta', 'events', 'stack', 'steps'],
  args: [],
  statuses: [],
});

export interface StoredRun {
  meta: RunMeta;
  events: unknown[];
  stack: string[];
  /** The step records in completion order. */
  steps: StepRecord[];
}

export async function readRun(ctx: StateContext, runId: string): Promise<StoredRun | null> {
  const keys = runScriptKeys(ctx, runId);
  const reply = (await readRunScript.run(ctx.shard.transport, {
    keys: { meta: keys.meta, events: keys.events, stack: keys.stack, steps: keys.steps },
    args: {},
  })) as [string[], string | null, string[], string[]];
  const meta = decodeRunMeta(reply[0]);
  if (meta === null) return null;
  const records = flatToRecord(reply[3]);
  const stack = reply[2];
  return {
    meta,
    events: reply[1] ? (JSON.parse(reply[1]) as unknown[]) : [],
    stack,
    steps: stack
      .filter((id) => records[id] !== undefined)
      .map((id) => JSON.parse(records[id] as string) as StepRecord),
  };
}
