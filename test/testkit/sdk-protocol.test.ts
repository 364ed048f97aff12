import { describe, expect, it } from 'vitest';
import {
  callBody,
  canonicalJson,
  signatureHeader,
  stepIdHash,
} from '../../testkit/sdk-protocol.js';

// Vectors from ../shared/reference/sdk-http-protocol.md (§3.5 and §4.2), checked there against
// the real SDK 4.24.0; the live round trips are in sdk-app.test.ts.
const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('sdk-protocol helpers', () => {
  it('signs the canonical body plus t with the prefix-stripped key as text', () => {
    expect(signatureHeader('{"a":1}', KEY, 1_700_000_000)).toBe(
      't=1700000000&s=6f935f4999a22697d3186d2f528b9ba93bd1bce44e799b690985927c66c072d2',
    );
    // The prefix is not part of the key: the bare key signs the same.
    expect(signatureHeader('{"a":1}', KEY.replace('signkey-test-', ''), 1_700_000_000)).toBe(
      signatureHeader('{"a":1}', KEY, 1_700_000_000),
    );
  });

  it('hashes step ids with sha1, :n for the nth repeat', () => {
    expect(stepIdHash('step-a')).toBe('1419522417cff8c6ddd205cc9882d16411490c09');
    expect(stepIdHash('step-a', 1)).toBe('9c9ef4b3f59bc097b892ae5e37958f8831751200');
    expect(stepIdHash('complete')).toBe('0737c22d3bfae812339732d14d8c7dbd6dc4e09c');
    expect(() => stepIdHash('a', -1)).toThrow(/bad repeat index/);
  });

  it('canonicalizes with sorted keys and no spaces', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 'x' }], a: null })).toBe(
      '{"a":null,"b":[1,{"c":"x","d":2}]}',
    );
    expect(() => canonicalJson(undefined)).toThrow(/no JSON form/);
  });

  it('builds a call body as the Go executor sends it', () => {
    const body = callBody({ event: { name: 'e', data: {} }, runId: 'r1' });
    expect(body).toEqual({
      event: { name: 'e', data: {}, user: {} },
      events: [{ name: 'e', data: {}, user: {} }],
      steps: {},
      ctx: {
        run_id: 'r1',
        attempt: 0,
        max_attempts: 3,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack: [], current: 0 },
      },
      version: 2,
      use_api: false,
    });
  });
});
