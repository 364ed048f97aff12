import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../src/executor/errors.js';
import { toSdkEvent, validateEvents, type StoredEvent } from '../../src/executor/event.js';

const nowMs = 1_750_000_000_000;

function ids(): () => string {
  let n = 0;
  return () => `01INTERNAL${String(++n).padStart(4, '0')}`;
}

function validate(inputs: unknown, extra: Partial<Parameters<typeof validateEvents>[1]> = {}) {
  return validateEvents(inputs, { nowMs, newId: ids(), ...extra });
}

function eventError(inputs: unknown, extra = {}): InvalidEventError {
  try {
    validate(inputs, extra);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return err as InvalidEventError;
  }
  throw new Error('validateEvents accepted the events');
}

describe('validateEvents', () => {
  it('fills in the defaults: data {}, user {}, ts now, id = internal id', () => {
    expect(validate({ name: 'demo/a' })).toEqual([
      {
        internalId: '01INTERNAL0001',
        name: 'demo/a',
        data: {},
        id: '01INTERNAL0001',
        ts: nowMs,
        user: {},
      },
    ]);
  });

  it('keeps what was given: id, ts, data, user, v; drops unknown fields', () => {
    const [e] = validate([
      {
        name: 'a',
        id: 'key-1',
        ts: 5,
        data: { x: [1, { y: 'z' }] },
        user: { u: 1 },
        v: '2',
        meta: {},
      },
    ]);
    expect(e).toEqual({
      internalId: '01INTERNAL0001',
      name: 'a',
      data: { x: [1, { y: 'z' }] },
      id: 'key-1',
      ts: 5,
      user: { u: 1 },
      v: '2',
    });
  });

  it('reads the body the real SDK posts: an array with ts, data and an optional id', () => {
    // inngest.send() (4.24.0) posts `{name, data, ts, id?, meta?}` and sends `id: ""` as is.
    const [a, b] = validate([
      { name: 'demo/sent', data: { n: 1 }, ts: 1_795_501_438_041 },
      { name: 'demo/sent', data: {}, ts: 1_795_501_438_041, id: '' },
    ]);
    expect(a!.id).toBe(a!.internalId);
    expect(b!.id).toBe(b!.internalId);
    expect(a!.internalId).not.toBe(b!.internalId);
  });

  it('ts 0 and null id/ts read as unset (as in Go)', () => {
    const [e] = validate({ name: 'a', ts: 0, id: null });
    expect(e!.ts).toBe(nowMs);
    expect(e!.id).toBe(e!.internalId);
  });

  it('strips data._inngest and refuses inngest/* names, unless allowReserved', () => {
    const input = { name: 'a', data: { _inngest: { fn_id: 'x' }, keep: 1 } };
    expect(validate(input)[0]!.data).toEqual({ keep: 1 });
    expect(input.data._inngest).toEqual({ fn_id: 'x' }); // the input is not changed
    const engine = validate(
      { name: 'inngest/function.failed', data: { _inngest: { a: 1 } } },
      { allowReserved: true },
    );
    expect(engine[0]!.data).toEqual({ _inngest: { a: 1 } });
    const err = eventError({ name: 'inngest/function.failed' });
    expect(err.path).toBe('event.name');
    expect(err.problem).toMatch(/inngest\//);
  });

  it('returns a JSON copy: later changes to the input do not reach it', () => {
    const data = { when: { toJSON: () => 'then' }, list: [1] };
    const [e] = validate({ name: 'a', data });
    data.list.push(2);
    expect(e!.data).toEqual({ when: 'then', list: [1] });
  });

  it('an empty array is no events', () => {
    expect(validate([])).toEqual([]);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ['name missing', [{}, { name: 'ok' }], 'events[0].name', /is required/],
    ['name not a string', [{ name: 'a' }, { name: 'b' }, { name: 7 }], 'events[2].name', /string/],
    ['name empty', [{ name: '' }], 'events[0].name', /empty/],
    ['name too long', [{ name: 'x'.repeat(513) }], 'events[0].name', /512/],
    ['event not an object', [{ name: 'a' }, 'b'], 'events[1]', /must be an object/],
    ['event an array', [[{ name: 'a' }]], 'events[0]', /must be an object/],
    ['event null', [null], 'events[0]', /must be an object/],
    ['data an array', [{ name: 'a', data: [1] }], 'events[0].data', /must be an object/],
    ['data null', [{ name: 'a', data: null }], 'events[0].data', /must be an object/],
    ['data a string', [{ name: 'a', data: 'x' }], 'events[0].data', /must be an object/],
    ['user an array', [{ name: 'a', user: [] }], 'events[0].user', /must be an object/],
    ['id a number', [{ name: 'a', id: 5 }], 'events[0].id', /string/],
    ['id too long', [{ name: 'a', id: 'i'.repeat(513) }], 'events[0].id', /512/],
    ['ts negative', [{ name: 'a', ts: -1 }], 'events[0].ts', /non-negative integer/],
    ['ts fractional', [{ name: 'a', ts: 1.5 }], 'events[0].ts', /non-negative integer/],
    ['ts a string', [{ name: 'a', ts: '5' }], 'events[0].ts', /non-negative integer/],
    ['v a number', [{ name: 'a', v: 2 }], 'events[0].v', /string/],
    ['single object bad', { data: {} }, 'event.name', /is required/],
  ];
  for (const [what, input, path, problem] of bad) {
    it(`refuses ${what}: ${path}`, () => {
      const err = eventError(input);
      expect(err.path).toBe(path);
      expect(err.problem).toMatch(problem);
      expect(err.code).toBe('INVALID_EVENT');
      expect(err.message).toBe(`invalid event at ${path}: ${err.problem}`);
      expect(err.index).toBe(/\[(\d+)\]/.exec(path) ? Number(/\[(\d+)\]/.exec(path)![1]) : 0);
    });
  }

  it('refuses an event over maxEventBytes (UTF-8 bytes of its JSON), default 512 KiB', () => {
    const big = { name: 'a', data: { s: 'x'.repeat(512 * 1024) } };
    expect(eventError([{ name: 'ok' }, big]).path).toBe('events[1]');
    const err = eventError({ name: 'a', data: { s: 'é'.repeat(30) } }, { maxEventBytes: 60 });
    expect(err.problem).toMatch(/bytes as JSON; at most 60/);
    expect(
      validate({ name: 'a', data: { s: 'x'.repeat(100) } }, { maxEventBytes: 200 }),
    ).toHaveLength(1);
  });

  it('refuses what is not JSON (BigInt, cycles)', () => {
    expect(eventError({ name: 'a', data: { n: 1n } }).problem).toMatch(/JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(eventError({ name: 'a', data: cyclic }).problem).toMatch(/JSON/);
  });

  it('refuses a batch over maxBatch (default 5000) and a body that is no event', () => {
    const many = Array.from({ length: 5001 }, () => ({ name: 'a' }));
    const err = eventError(many);
    expect(err.index).toBeUndefined();
    expect(err.path).toBe('events');
    expect(eventError([{ name: 'a' }, { name: 'b' }], { maxBatch: 1 }).problem).toMatch(
      /at most 1/,
    );
    for (const body of [null, 'a', 5, undefined]) expect(eventError(body).index).toBeUndefined();
  });

  it('checks the whole batch before assigning any id: nothing is half accepted', () => {
    let calls = 0;
    expect(() =>
      validateEvents([{ name: 'a' }, { name: 'b' }, { nom: 'c' }], {
        nowMs,
        newId: () => `id${++calls}`,
      }),
    ).toThrow(InvalidEventError);
    expect(calls).toBe(0);
  });
});

describe('toSdkEvent', () => {
  it('is {name, data, id, ts, user, v?} without the internal id', () => {
    const stored: StoredEvent = {
      internalId: 'I',
      name: 'a',
      data: { x: 1 },
      id: 'k',
      ts: 3,
      user: {},
    };
    expect(toSdkEvent(stored)).toEqual({ name: 'a', data: { x: 1 }, id: 'k', ts: 3, user: {} });
    expect(toSdkEvent({ ...stored, v: '1' })).toEqual({
      name: 'a',
      data: { x: 1 },
      id: 'k',
      ts: 3,
      user: {},
      v: '1',
    });
    expect(Object.keys(toSdkEvent(stored))).not.toContain('v');
  });
});
