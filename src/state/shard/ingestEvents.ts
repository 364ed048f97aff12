import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodePauseList, type Pause } from '../pause.js';
import { flatToSortedRecord } from '../run.js';
import type { StateContext } from './context.js';

/** lua/state/ingestEvents-n.lua */
export const ingestEventsScript = defineScript({
  script: LUA_SCRIPTS.ingestEvents,
  keys: ['functions', 'registryVersion', 'pauses'],
  args: ['retentionMs', 'knownVersion'],
  statuses: [],
  keysPerEntry: ['event', 'pauseIndex'],
  argsPerEntry: ['eventJson'],
});

export interface IngestResult {
  registryVersion: string;
  /** Every function's JSON by ID, or null when the caller's registry version is current. */
  functions: Record<string, string> | null;
  /** Per event, in order: the pauses waiting for its name. */
  pauses: Pause[][];
}

/** Stores events and reads what routing them needs (registry, pauses) in one round trip. */
export async function ingestEvents(
  ctx: StateContext,
  events: readonly { internalId: string; name: string; json: string }[],
  retentionMs: number,
  knownVersion: string | null,
): Promise<IngestResult> {
  const reply = (await ingestEventsScript.run(ctx.shard.transport, {
    keys: {
      functions: ctx.keys.functions(),
      registryVersion: ctx.keys.registryVersion(),
      pauses: ctx.keys.pauses(),
    },
    args: { retentionMs, knownVersion: knownVersion ?? '' },
    entries: events.map((e) => ({
      keys: { event: ctx.keys.event(e.internalId), pauseIndex: ctx.keys.pauseIndex(e.name) },
      args: { eventJson: e.json },
    })),
  })) as [string, string[], ...string[][]];
  const [version, flat, ...perEvent] = reply;
  return {
    registryVersion: version,
    functions: version === knownVersion ? null : flatToSortedRecord(flat),
    pauses: perEvent.map(decodePauseList),
  };
}
