import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/eventPage-1.lua */
export const eventPageScript = defineScript({
  script: LUA_SCRIPTS.eventPage,
  keys: ['index'],
  args: ['minMs', 'maxMs', 'cursor', 'cursorMs', 'limit'],
  statuses: [],
});

/** Which page of an event index to read: received in [minMs, maxMs], after the cursor. */
export interface EventPageQuery {
  /** The event name whose index to read; the shard's whole index when absent. */
  name?: string;
  minMs: number;
  maxMs: number;
  /** An internal ID: the page starts after it (older); null for the newest. */
  cursor: string | null;
  /** Where to start when the cursor is no longer in the index: before this time, ms. */
  cursorMs: number;
  limit: number;
}

/** An entry of an event index. */
export interface EventIndexEntry {
  internalId: string;
  receivedAt: number;
}

/** A page of an event index, newest first (the events themselves may be gone). */
export async function eventPage(ctx: StateContext, q: EventPageQuery): Promise<EventIndexEntry[]> {
  const flat = (await eventPageScript.run(ctx.shard.transport, {
    keys: { index: q.name === undefined ? ctx.keys.eventIndex() : ctx.keys.eventNameIndex(q.name) },
    args: {
      minMs: q.minMs,
      maxMs: q.maxMs,
      cursor: q.cursor ?? '',
      cursorMs: q.cursorMs,
      limit: q.limit,
    },
  })) as string[];
  const out: EventIndexEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ internalId: flat[i] as string, receivedAt: Number(flat[i + 1]) });
  return out;
}
