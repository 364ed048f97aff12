import { InvalidEventError } from './errors.js';

/** An event as a caller sends it (`inngest.send()`, `POST /e/{key}`, the engine's API). */
export interface EventInput {
  name: string;
  data?: Record<string, unknown>;
  /** The sender's idempotency key; defaults to the internal ID. */
  id?: string;
  /** Epoch ms; defaults to the time it was received. */
  ts?: number;
  user?: Record<string, unknown>;
  v?: string;
}

/** An accepted event, with every default filled in; what durq stores and matches. */
export interface StoredEvent {
  /** durq's own ID (a ULID), unique per accepted event: what `POST /e` answers in `ids`. */
  internalId: string;
  name: string;
  data: Record<string, unknown>;
  id: string;
  ts: number;
  user: Record<string, unknown>;
  v?: string;
}

/** The event object as the SDK receives it (in `event`, `events`, a resumed waitForEvent). */
export interface SdkEvent {
  name: string;
  data: Record<string, unknown>;
  id: string;
  ts: number;
  user: Record<string, unknown>;
  v?: string;
}

/** Options of {@link validateEvents}. */
export interface ValidateEventsOptions {
  /** Epoch ms the events were received: the default `ts`. */
  nowMs: number;
  /** A new internal ID (a ULID) per event. */
  newId: () => string;
  /** Largest serialized event, in UTF-8 bytes (default 512 KiB, Inngest Cloud's limit). */
  maxEventBytes?: number;
  /** Most events in one call (default 5000). */
  maxBatch?: number;
  /** Accept `inngest/*` names and keep `data._inngest`: for events the engine emits itself. */
  allowReserved?: boolean;
}

export const DEFAULT_MAX_EVENT_BYTES = 512 * 1024;
export const DEFAULT_MAX_BATCH = 5000;
export const MAX_EVENT_NAME_LENGTH = 512;
export const MAX_EVENT_ID_LENGTH = 512;
/** Event names with this prefix are the engine's own (`inngest/function.failed`, …). */
export const RESERVED_EVENT_PREFIX = 'inngest/';

/**
 * Checks one event or an array of them and fills in defaults, as Inngest's `POST /e/{key}`
 * does: `data` and `user` default to `{}`, `ts` to `nowMs` (also when 0, as in Go), `id` to the
 * internal ID (also when empty, as in Go: the SDK sends `id: ""` if given one). `data._inngest`
 * is dropped and `inngest/*` names are refused unless `allowReserved`. Unknown fields (`meta`)
 * are dropped. The result is a JSON copy of the input. Every event is checked before any is
 * returned: the first bad one throws InvalidEventError naming its index and field
 * (`events[2].name: is required`; `event.name` for a single object), so nothing is half stored.
 */
export function validateEvents(inputs: unknown, opts: ValidateEventsOptions): StoredEvent[] {
  const single = !Array.isArray(inputs);
  const list: unknown[] = single ? [inputs] : (inputs as unknown[]);
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  if (single && (inputs === null || typeof inputs !== 'object'))
    throw new InvalidEventError(undefined, 'events', 'must be an event object or an array of them');
  if (list.length > maxBatch)
    throw new InvalidEventError(
      undefined,
      'events',
      `has ${list.length} events; at most ${maxBatch} may be sent at once`,
    );
  const checked = list.map((input, index) =>
    checkEvent(input, index, single ? 'event' : `events[${index}]`, opts),
  );
  return checked.map((e) => {
    const internalId = opts.newId();
    return { internalId, ...e, id: e.id ?? internalId };
  });
}

type CheckedEvent = Omit<StoredEvent, 'internalId' | 'id'> & { id: string | undefined };

function checkEvent(
  input: unknown,
  index: number,
  at: string,
  opts: ValidateEventsOptions,
): CheckedEvent {
  const fail = (field: string, problem: string): never => {
    throw new InvalidEventError(index, field === '' ? at : `${at}.${field}`, problem);
  };
  if (!isPlainObject(input)) return fail('', 'must be an object');
  const e = input as Record<string, unknown>;
  const name = checkName(e.name, opts.allowReserved === true, fail);
  const data = optionalObject(e.data, 'data', fail);
  if (opts.allowReserved !== true) delete data._inngest;
  const id = checkId(e.id, fail);
  const ts = checkTs(e.ts, opts.nowMs, fail);
  const user = optionalObject(e.user, 'user', fail);
  if (e.v !== undefined && typeof e.v !== 'string') fail('v', 'must be a string');
  const event: CheckedEvent = { name, data, id, ts, user };
  if (typeof e.v === 'string') event.v = e.v;
  const tooLarge = (problem: string): never => {
    throw new InvalidEventError(index, at, problem, true);
  };
  return jsonCopy(event, opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, fail, tooLarge);
}

type Fail = (field: string, problem: string) => never;

function checkName(name: unknown, allowReserved: boolean, fail: Fail): string {
  if (name === undefined || name === null) return fail('name', 'is required');
  if (typeof name !== 'string') return fail('name', 'must be a string');
  if (name === '') return fail('name', 'must not be empty');
  if (name.length > MAX_EVENT_NAME_LENGTH)
    return fail('name', `must be at most ${MAX_EVENT_NAME_LENGTH} characters`);
  if (!allowReserved && name.startsWith(RESERVED_EVENT_PREFIX))
    return fail('name', `may not start with '${RESERVED_EVENT_PREFIX}' (reserved for the engine)`);
  return name;
}

function checkId(id: unknown, fail: Fail): string | undefined {
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id !== 'string') return fail('id', 'must be a string');
  if (id.length > MAX_EVENT_ID_LENGTH)
    return fail('id', `must be at most ${MAX_EVENT_ID_LENGTH} characters`);
  return id;
}

function checkTs(ts: unknown, nowMs: number, fail: Fail): number {
  if (ts === undefined || ts === null || ts === 0) return nowMs;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0)
    return fail('ts', 'must be a non-negative integer (epoch ms)');
  return ts;
}

function optionalObject(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) return fail(field, 'must be an object');
  return { ...(value as Record<string, unknown>) };
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonCopy(
  event: CheckedEvent,
  maxBytes: number,
  fail: Fail,
  tooLarge: (problem: string) => never,
): CheckedEvent {
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    return fail('', `is not serializable as JSON (${(err as Error).message})`);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) return tooLarge(`is ${bytes} bytes as JSON; at most ${maxBytes} allowed`);
  return JSON.parse(json) as CheckedEvent;
}

/** The object the SDK receives for a stored event: `{ name, data, id, ts, user, v? }`. */
export function toSdkEvent(e: StoredEvent): SdkEvent {
  const out: SdkEvent = { name: e.name, data: e.data, id: e.id, ts: e.ts, user: e.user };
  if (e.v !== undefined) out.v = e.v;
  return out;
}
