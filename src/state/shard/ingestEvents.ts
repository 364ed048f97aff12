import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodePauseList, type Pause } from '../pause.js';
import { flatToSortedRecord } from '../run.js';
import type { StateContext } from './context.js';

/** lua/state/ingestEvents-n.lua */
export const ingestEventsScript = defineScript({
  script: LUA_SCRIPTS.ingestEvents,
  keys: ['functions', 'registryVersion', 'pauses', 'eventIndex'],
  args: ['retentionMs', 'knownVersion', 'now'],
  statuses: [],
  keysPerEntry: ['event', 'pauseIndex', 'eventNameIndex'],
  argsPerEntry: ['internalId', 'eventJson'],
});

export interface IngestResult {
  registryVersion: string;
  /** Every function's JSON by ID, or null when the caller's registry version is current. */
  functions: Record<string, string> | null;
  /** Per event, in order: the pauses waiting for its name. */
  pauses: Pause[][];
}

/** An event to store: its ID and name (for its keys) and its JSON. */
export interface IngestEntry {
  internalId: string;
  name: string;
  json: string;
}

/**
 * Stores events (indexed as received at `now`) and reads what routing them needs (registry,
 * pauses) in one round trip.
 */
export async function ingestEvents(
  ctx: StateContext,
  events: readonly IngestEntry[],
  opts: { now: number; retentionMs: number; knownVersion: string | null },
): Promise<IngestResult> {
  const { knownVersion } = opts;
  const reply = (await ingestEventsScript.run(ctx.shard.transport, {
    keys: {
      functions: ctx.keys.functions(),
      registryVersion: ctx.keys.registryVersion(),
      pauses: ctx.keys.pauses(),
      eventIndex: ctx.keys.eventIndex(),
    },
    args: { retentionMs: opts.retentionMs, knownVersion: knownVersion ?? '', now: opts.now },
    entries: events.map((e) => ({
      keys: {
        event: ctx.keys.event(e.internalId),
        pauseIndex: ctx.keys.pauseIndex(e.name),
        eventNameIndex: ctx.keys.eventNameIndex(e.name),
      },
      args: { internalId: e.internalId, eventJson: e.json },
    })),
  })) as [string, string[], ...string[][]];
  const [version, flat, ...perEvent] = reply;
  return {
    registryVersion: version,
    functions: version === knownVersion ? null : flatToSortedRecord(flat),
    pauses: perEvent.map(decodePauseList),
  };
}
