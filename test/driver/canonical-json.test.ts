import { describe, expect, it } from 'vitest';
import { DurqError } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/driver/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    // U+20AC (€) sorts before U+1F600 (a surrogate pair, 0xD83D...) and after 'z'.
    expect(canonicalJson({ '\u{1F600}': 1, '\u20AC': 2, z: 3, A: 4 })).toBe(
      '{"A":4,"z":3,"€":2,"😀":1}',
    );
  });

  it('formats numbers as ECMAScript does', () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 100, 5e-324, 2 ** 70, 2 ** 60])).toBe(
      '[1e+21,1e-7,0.1,0,100,5e-324,1.1805916207174113e+21,1152921504606847000]',
    );
  });

  it('escapes only what JSON requires', () => {
    expect(canonicalJson({ s: '"\\\n\u0001é/' })).toBe('{"s":"\\"\\\\\\n\\u0001é/"}');
  });

  it('leaves out undefined members, as JSON.stringify does, and keeps bare scalars', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([])).toBe('[]');
  });

  it('replaces a lone surrogate that JSON text may carry with U+FFFD', () => {
    const parsed: unknown = JSON.parse('{"a":"x\\ud800y","\\udc00":["\\ud83d\\ude00"]}');
    expect(canonicalJson(parsed)).toBe('{"a":"x\uFFFDy","\uFFFD":["😀"]}');
  });

  it('throws a DurqError for what is not JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, NaN, { a: Infinity }, cyclic, () => 1]) {
      expect(() => canonicalJson(bad)).toThrow(DurqError);
    }
    expect(() => canonicalJson({ s: '\ud800', n: NaN })).toThrow(/not JSON/);
  });
});
