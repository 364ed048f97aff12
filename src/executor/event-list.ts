import { InvalidOptionError } from '../core/errors.js';
import { isUlid, ulidTime } from '../core/ulid.js';
import type { ExecutorContext } from './context.js';
import type { StoredEvent } from './event.js';

/** A received event as stored (what `GET /v1/events` lists): the event and when it arrived. */
export interface StoredEventView {
  /** durq's own ID (a ULID), as send() answered it. */
  internalId: string;
  /** The sender's ID (the internal ID when none was given). */
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown>;
  ts: number;
  v?: string;
  /** When the engine received it, ms epoch. */
  receivedAt: number;
}

/** Which events listEvents returns: received in [receivedAfter, receivedBefore), newest first. */
export interface EventListQuery {
  /** Most events (default 20, clamped to 1..51, as Inngest's `GET /v1/events`). */
  limit?: number;
  /** An internal ID from an earlier page: only events older than it. */
  cursor?: string;
  /** Epoch ms, inclusive (default: an hour before now). */
  receivedAfter?: number;
  /** Epoch ms, exclusive (default: none). */
  receivedBefore?: number;
  /** Only events of this name. */
  name?: string;
}

export const EVENT_LIST_LIMIT_DEFAULT = 20;
export const EVENT_LIST_LIMIT_MAX = 51;
export const EVENT_LIST_WINDOW_MS_DEFAULT = 3600 * 1000;
/**
 * Index pages one listEvents reads at most. A page comes up short only by events gone before
 * their index entry was trimmed (a Redis expiry running ahead of the engine's clock), so a few
 * pages always fill a listing; the bound keeps a pathological index from looping on.
 */
export const EVENT_LIST_PAGES_MAX = 8;

/**
 * The events received in the query's window (and still kept: received less than the event
 * retention before now), newest first; index entries whose event is gone are skipped.
 */
export async function listEvents(
  ctx: ExecutorContext,
  q: EventListQuery = {},
): Promise<StoredEventView[]> {
  const now = ctx.clock.now();
  const limit = clampLimit(q.limit);
  const keptFrom = now - ctx.eventRetentionMs + 1;
  const minMs = Math.max(
    keptFrom,
    checkTime('receivedAfter', q.receivedAfter) ?? now - EVENT_LIST_WINDOW_MS_DEFAULT,
  );
  const before = checkTime('receivedBefore', q.receivedBefore);
  const maxMs = before === undefined ? Number.MAX_SAFE_INTEGER : before - 1;
  if (q.name !== undefined && (typeof q.name !== 'string' || q.name === ''))
    throw new InvalidOptionError('name', 'must be a non-empty string');
  let cursor = checkCursor(q.cursor);
  let cursorMs = cursor === null ? 0 : ulidTime(cursor);
  const out: StoredEventView[] = [];
  for (let page = 0; page < EVENT_LIST_PAGES_MAX && out.length < limit; page++) {
    const want = limit - out.length;
    const entries = await ctx.store.eventPage({
      ...(q.name !== undefined ? { name: q.name } : {}),
      minMs,
      maxMs,
      cursor,
      cursorMs,
      limit: want,
    });
    const jsons = await ctx.store.readEvents(entries.map((e) => e.internalId));
    jsons.forEach((json) => {
      if (json !== null) out.push(toEventView(json));
    });
    const last = entries[entries.length - 1];
    if (last === undefined || entries.length < want) break;
    cursor = last.internalId;
    cursorMs = last.receivedAt;
  }
  return out;
}

/** A received event by internal ID; null when unknown or no longer kept. */
export async function getEvent(
  ctx: ExecutorContext,
  internalId: string,
): Promise<StoredEventView | null> {
  if (typeof internalId !== 'string' || !isUlid(internalId)) return null;
  const [json] = await ctx.store.readEvents([internalId]);
  if (json === null || json === undefined) return null;
  const view = toEventView(json);
  // The stored copy expires on Redis's clock; what is kept is decided on the engine's.
  return view.receivedAt > ctx.clock.now() - ctx.eventRetentionMs ? view : null;
}

function toEventView(json: string): StoredEventView {
  const e = JSON.parse(json) as StoredEvent & { receivedAt?: number };
  const view: StoredEventView = {
    internalId: e.internalId,
    id: e.id,
    name: e.name,
    data: e.data,
    user: e.user,
    ts: e.ts,
    // Events stored before receivedAt was: their ID's time is when they were received.
    receivedAt: e.receivedAt ?? ulidTime(e.internalId),
  };
  if (e.v !== undefined) view.v = e.v;
  return view;
}

function clampLimit(limit: unknown): number {
  if (limit === undefined) return EVENT_LIST_LIMIT_DEFAULT;
  if (typeof limit !== 'number' || !Number.isFinite(limit))
    throw new InvalidOptionError('limit', `must be a number, got ${JSON.stringify(limit)}`);
  return Math.min(EVENT_LIST_LIMIT_MAX, Math.max(1, Math.floor(limit)));
}

function checkTime(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidOptionError(option, `must be epoch ms, got ${JSON.stringify(value)}`);
  return value;
}

function checkCursor(cursor: unknown): string | null {
  if (cursor === undefined || cursor === '') return null;
  if (typeof cursor !== 'string' || !isUlid(cursor))
    throw new InvalidOptionError(
      'cursor',
      `must be an event ID (a ULID), got ${JSON.stringify(cursor)}`,
    );
  return cursor;
}
