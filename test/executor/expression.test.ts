import { describe, expect, it } from 'vitest';
import { InvalidExpressionError } from '../../src/executor/errors.js';
import {
  compileExpression,
  EXPRESSION_CACHE_SIZE,
  interpolateEvent,
} from '../../src/executor/expression.js';

const where = 'test';

describe('compileExpression', () => {
  it('parses once: the same source gives the same compiled expression', () => {
    const a = compileExpression('async.data.x == 1', where);
    expect(compileExpression('async.data.x == 1', 'elsewhere')).toBe(a);
    expect(a.source).toBe('async.data.x == 1');
  });

  it('the cache is bounded: the least recently used expression is dropped first', () => {
    const old = compileExpression('lru.first == 0', where);
    const kept = compileExpression('lru.kept == 0', where);
    for (let i = 0; i < EXPRESSION_CACHE_SIZE - 1; i++) {
      compileExpression(`lru.n == ${i}`, where);
      if (i % 1000 === 0) compileExpression('lru.kept == 0', where);
    }
    expect(compileExpression('lru.kept == 0', where)).toBe(kept);
    expect(compileExpression('lru.first == 0', where)).not.toBe(old);
  });

  it('throws InvalidExpressionError naming where, with the CEL error as cause', () => {
    let err: unknown;
    try {
      compileExpression('event.data.x ==', 'trigger expression of fn app-x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidExpressionError);
    const e = err as InvalidExpressionError;
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.where).toBe('trigger expression of fn app-x');
    expect(e.expression).toBe('event.data.x ==');
    expect((e.cause as Error).name).toBe('ParseError');
    expect(e.message).toMatch(/^invalid expression \(trigger expression of fn app-x\): /);
    expect(e.message).not.toContain('\n');
  });

  it('refuses syntax errors only: unknown variables and odd types compile', () => {
    for (const bad of ['', '(', 'a ==', 'a = b', '"unterminated', 'a.', '1 +'])
      expect(() => compileExpression(bad, where), bad).toThrow(InvalidExpressionError);
    for (const ok of ['anything.at.all', '1 + "a"', 'has(event.data.x)', '[1, "a"]'])
      expect(() => compileExpression(ok, where), ok).not.toThrow();
  });
});

describe('evaluate and matches', () => {
  it('evaluate returns the value, with CEL ints as numbers', () => {
    expect(compileExpression('async.data.n', where).evaluate({ async: { data: { n: 3 } } })).toBe(
      3,
    );
    expect(compileExpression('size(x)', where).evaluate({ x: [1, 2] })).toBe(2);
    expect(compileExpression('{"a": [1, 2u]}', where).evaluate({})).toEqual({ a: [1, 2] });
    expect(
      compileExpression('event.data.prio', where).evaluate({ event: { data: { prio: -5 } } }),
    ).toBe(-5);
  });

  it('an error evaluates to undefined and does not match; it never throws', () => {
    const e = compileExpression('async.data.missing == 1', where);
    expect(e.evaluate({ async: { data: {} } })).toBeUndefined();
    expect(e.matches({ async: { data: {} } })).toBe(false);
    expect(e.matches({})).toBe(false);
    expect(compileExpression('1 / 0', where).evaluate({})).toBeUndefined();
    expect(compileExpression('"a" + 1', where).matches({})).toBe(false);
  });

  it('matches is true only for boolean true', () => {
    expect(compileExpression('true', where).matches({})).toBe(true);
    expect(compileExpression('1', where).matches({})).toBe(false);
    expect(compileExpression('"true"', where).matches({})).toBe(false);
    expect(compileExpression('x', where).matches({ x: 1 })).toBe(false);
  });

  it('JSON numbers compare with int and double literals whether whole or not', () => {
    const gt = compileExpression('async.data.amount > 10', where);
    const at = (amount: unknown) => ({ async: { data: { amount } } });
    expect(gt.matches(at(11))).toBe(true);
    expect(gt.matches(at(10.5))).toBe(true);
    expect(gt.matches(at(10))).toBe(false);
    expect(gt.matches(at(9.99))).toBe(false);
    expect(gt.matches(at('11'))).toBe(false);
    const eq = compileExpression('async.data.amount == 10', where);
    expect(eq.matches(at(10))).toBe(true);
    expect(eq.matches(at(10.5))).toBe(false);
    expect(compileExpression('async.data.amount != 10', where).matches(at(10.5))).toBe(true);
    expect(compileExpression('async.data.amount >= 10.0', where).matches(at(10))).toBe(true);
    expect(compileExpression('async.data.amount in [1, 10]', where).matches(at(10))).toBe(true);
  });

  it('arithmetic on JSON numbers takes double literals (they are CEL doubles, as in Go)', () => {
    const at = (n: number) => ({ async: { data: { n } } });
    expect(compileExpression('async.data.n + 1.0 == 12.0', where).matches(at(11))).toBe(true);
    expect(compileExpression('async.data.n + 0.5 == 12.0', where).matches(at(11.5))).toBe(true);
    expect(compileExpression('async.data.n + 1', where).evaluate(at(11))).toBeUndefined();
    // A sum is a static double: comparing it with an int literal is an overload error.
    expect(compileExpression('async.data.n + 1.0 == 12', where).evaluate(at(11))).toBeUndefined();
  });
});

describe('interpolateEvent', () => {
  const event = {
    name: 'demo/start',
    data: { id: 'a"b', n: 10, f: 10.5, ok: true, none: null, list: [1, 'x'], obj: { 'k k': 1 } },
    id: 'evt-1',
    ts: 1_700_000_000_000,
  };

  it('event.data.id == async.data.id with id a"b gives "a\\"b" == async.data.id', () => {
    const out = interpolateEvent('event.data.id == async.data.id', { data: { id: 'a"b' } });
    expect(out).toBe('"a\\"b" == async.data.id');
    const c = compileExpression(out, where);
    expect(c.matches({ async: { data: { id: 'a"b' } } })).toBe(true);
    expect(c.matches({ async: { data: { id: 'a' } } })).toBe(false);
    expect(c.matches({ async: { data: { id: 'a\\"b' } } })).toBe(false);
    expect(c.matches({ async: { data: {} } })).toBe(false);
  });

  it('an expression on async only is returned unchanged', () => {
    expect(interpolateEvent('async.data.amount > 10', event)).toBe('async.data.amount > 10');
  });

  it('string literals and comments that mention event.x are left alone', () => {
    expect(interpolateEvent('"event.data.id" == async.name', event)).toBe(
      '"event.data.id" == async.name',
    );
    expect(interpolateEvent("'it\\'s event.data.n' != r\"event\\\"\" + b'event'", event)).toBe(
      "'it\\'s event.data.n' != r\"event\\\"\" + b'event'",
    );
    expect(interpolateEvent('"""event.x""" == async.x // event.data.id', event)).toBe(
      '"""event.x""" == async.x // event.data.id',
    );
    expect(interpolateEvent('"\\"event.data.id" == event.data.id', event)).toBe(
      '"\\"event.data.id" == "a\\"b"',
    );
  });

  it('a missing field, or a path through a non-object, becomes null', () => {
    expect(interpolateEvent('event.data.nope == async.data.x', event)).toBe('null == async.data.x');
    expect(interpolateEvent('event.data.id.deeper == null', event)).toBe('null == null');
    expect(interpolateEvent('event.data.list[7] == null', event)).toBe('null == null');
    expect(interpolateEvent('event.data.none', event)).toBe('null');
    expect(interpolateEvent('event.data.x', undefined)).toBe('null');
  });

  it('numbers become dyn doubles, so they compare as the event value would', () => {
    const out = interpolateEvent('event.data.n == 10 && event.data.f > 10 && event.ts > 0', event);
    expect(out).toBe('dyn(10.0) == 10 && dyn(10.5) > 10 && dyn(1700000000000.0) > 0');
    expect(compileExpression(out, where).matches({})).toBe(true);
    const sum = interpolateEvent('async.data.total == event.data.n + 1.0', event);
    expect(sum).toBe('async.data.total == dyn(10.0) + 1.0');
    expect(compileExpression(sum, where).matches({ async: { data: { total: 11 } } })).toBe(true);
  });

  it('booleans, lists and objects become literals', () => {
    expect(interpolateEvent('event.data.ok', event)).toBe('true');
    expect(interpolateEvent('event.data.list', event)).toBe('[dyn(1.0), "x"]');
    expect(interpolateEvent('event.data.obj == async.o', event)).toBe(
      '{"k k": dyn(1.0)} == async.o',
    );
    const c = compileExpression(interpolateEvent('event.data.obj == async.o', event), where);
    expect(c.matches({ async: { o: { 'k k': 1 } } })).toBe(true);
    const ex = interpolateEvent('event.data.list.exists(v, v == 1)', event);
    expect(ex).toBe('[dyn(1.0), "x"].exists(v, v == 1)');
    expect(compileExpression(ex, where).matches({})).toBe(true);
  });

  it('subscripts with literals are followed: event["data"]["id"], event.data.list[1]', () => {
    expect(interpolateEvent('event["data"]["id"] == async.id', event)).toBe('"a\\"b" == async.id');
    expect(interpolateEvent("event['data'].list[1]", event)).toBe('"x"');
    expect(interpolateEvent('event.data.obj["k k"]', event)).toBe('dyn(1.0)');
    expect(interpolateEvent('event . data . n', event)).toBe('dyn(10.0)');
  });

  it('method calls stay: event.data.id.startsWith("a") reads event.data.id', () => {
    const out = interpolateEvent(
      'event.data.id.startsWith("a") && size(event.data.list) == 2',
      event,
    );
    expect(out).toBe('"a\\"b".startsWith("a") && size([dyn(1.0), "x"]) == 2');
    expect(compileExpression(out, where).matches({})).toBe(true);
  });

  it('has(event.path) becomes true or false', () => {
    expect(interpolateEvent('has(event.data.id) && !has(event.data.nope)', event)).toBe(
      'true && !false',
    );
    expect(interpolateEvent('has(event.data.none)', event)).toBe('true');
  });

  it('fields or calls named event are not the variable', () => {
    expect(interpolateEvent('async.event == 1 && async . event', event)).toBe(
      'async.event == 1 && async . event',
    );
    expect(interpolateEvent('myevent.x == event_x', event)).toBe('myevent.x == event_x');
  });

  it('a non-identifier subscript stops the path; the variable itself is still replaced', () => {
    const out = interpolateEvent('event.data[async.key] == 1.0', event);
    expect(out.startsWith('{"id": "a\\"b", "n": dyn(10.0)')).toBe(true);
    expect(compileExpression(out, where).matches({ async: { key: 'n' } })).toBe(false);
    expect(compileExpression(out, where).evaluate({ async: { key: 'nope' } })).toBeUndefined();
    expect(
      compileExpression(interpolateEvent('event.data[async.key] == 10', event), where).matches({
        async: { key: 'n' },
      }),
    ).toBe(true);
    expect(interpolateEvent('(event).data.id', { data: { id: 'x' } })).toBe(
      '({"data": {"id": "x"}}).data.id',
    );
  });

  it('strings with quotes, backslashes, control and non-ASCII characters round-trip', () => {
    const id = 'q"\\\n\t\u0001é😀\u2028';
    const out = interpolateEvent('event.data.id == async.id', { data: { id } });
    expect(compileExpression(out, where).matches({ async: { id } })).toBe(true);
    const lone = interpolateEvent('event.data.id', { data: { id: 'a\ud800' } });
    expect(compileExpression(lone, where).evaluate({})).toBe('a\ufffd');
  });

  it('throws InvalidExpressionError for a source that does not compile', () => {
    expect(() => interpolateEvent('event.data.id ==', event, 'waitForEvent if')).toThrow(
      InvalidExpressionError,
    );
  });
});
