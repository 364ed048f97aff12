import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { flatToSortedRecord } from '../run.js';
import type { StateContext } from './context.js';

/** lua/state/eventRuns-1.lua */
export const eventRunsScript = defineScript({
  script: LUA_SCRIPTS.eventRuns,
  keys: ['eventRuns'],
  args: [],
  statuses: [],
});

/** runId -> functionId for the runs an event (by internal ID) started. */
export async function eventRuns(
  ctx: StateContext,
  internalId: string,
): Promise<Record<string, string>> {
  const flat = (await eventRunsScript.run(ctx.shard.transport, {
    keys: { eventRuns: ctx.keys.eventRuns(internalId) },
    args: {},
  })) as string[];
  return flatToSortedRecord(flat);
}
