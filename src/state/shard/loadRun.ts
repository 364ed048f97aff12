import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodeRunMeta, flatToRecord, type RunMeta } from '../run.js';
import { runScriptKeys, type StateContext } from './context.js';

/** lua/state/loadRun-6.lua */
export const loadRunScript = defineScript({
  script: LUA_SCRIPTS.loadRun,
  keys: ['meta', 'events', 'memo', 'stack', 'pending', 'functions'],
  args: ['functionId'],
  statuses: [],
});

/** Everything one step of a run needs, read at once. */
export interface LoadedRun {
  meta: RunMeta;
  events: unknown[];
  /** stepId -> memo JSON text. */
  memo: Record<string, string>;
  stack: string[];
  pending: string[];
  /** The function's stored definition JSON, or null when it is no longer registered. */
  functionJson: string | null;
}

/** The run and its function; null when no run with this ID is stored. */
export async function loadRun(
  ctx: StateContext,
  runId: string,
  functionId: string,
): Promise<LoadedRun | null> {
  const keys = runScriptKeys(ctx, runId);
  const reply = (await loadRunScript.run(ctx.shard.transport, {
    keys: {
      meta: keys.meta,
      events: keys.events,
      memo: keys.memo,
      stack: keys.stack,
      pending: keys.pending,
      functions: keys.functions,
    },
    args: { functionId },
  })) as [string[], string | null, string[], string[], string[], string | null];
  const meta = decodeRunMeta(reply[0]);
  if (meta === null) return null;
  return {
    meta,
    events: reply[1] ? (JSON.parse(reply[1]) as unknown[]) : [],
    memo: flatToRecord(reply[2]),
    stack: reply[3],
    pending: reply[4],
    functionJson: reply[5] ?? null,
  };
}
