import { describe, expect, it } from 'vitest';
import {
  bearerSigningKey,
  signatureHeader,
  stripSigningKeyPrefix,
  verifySignatureHeader,
} from '../../src/driver/signing.js';

/** The reference vector of sdk-http-protocol.md §4.2 and §4.4. */
const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const T = 1700000000;
const S = '6f935f4999a22697d3186d2f528b9ba93bd1bce44e799b690985927c66c072d2';

describe('stripSigningKeyPrefix', () => {
  it('strips any signkey-<env>- prefix and leaves other keys alone', () => {
    expect(stripSigningKeyPrefix('signkey-test-abc')).toBe('abc');
    expect(stripSigningKeyPrefix('signkey-prod-abc')).toBe('abc');
    expect(stripSigningKeyPrefix('signkey-branch-abc')).toBe('abc');
    expect(stripSigningKeyPrefix('abc')).toBe('abc');
    expect(stripSigningKeyPrefix('xsignkey-test-abc')).toBe('xsignkey-test-abc');
  });
});

describe('signatureHeader', () => {
  it('matches the reference test vector', () => {
    expect(signatureHeader('{"a":1}', KEY, T)).toBe(`t=${T}&s=${S}`);
  });

  it('keys the MAC with the text after the prefix, not its hex decoding', () => {
    expect(signatureHeader('{"a":1}', stripSigningKeyPrefix(KEY), T)).toBe(`t=${T}&s=${S}`);
    expect(signatureHeader('{"a":1}', 'signkey-prod-' + stripSigningKeyPrefix(KEY), T)).toBe(
      `t=${T}&s=${S}`,
    );
  });

  it('signs the empty body of a GET over the timestamp alone', () => {
    expect(signatureHeader('', KEY, T)).toMatch(/^t=1700000000&s=[0-9a-f]{64}$/);
    expect(signatureHeader('', KEY, T)).not.toBe(signatureHeader('{}', KEY, T));
  });
});

describe('verifySignatureHeader', () => {
  const header = `t=${T}&s=${S}`;

  it('accepts the reference vector within the tolerance, either side', () => {
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T)).toBe(true);
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T + 300)).toBe(true);
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T - 300)).toBe(true);
  });

  it('refuses a signature older or newer than the tolerance', () => {
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T + 301)).toBe(false);
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T - 301)).toBe(false);
    expect(verifySignatureHeader(header, '{"a":1}', [KEY], T + 20, 10)).toBe(false);
  });

  it('tries every key, so a fallback key verifies', () => {
    expect(verifySignatureHeader(header, '{"a":1}', ['signkey-test-00', KEY], T)).toBe(true);
    expect(verifySignatureHeader(header, '{"a":1}', ['signkey-test-00'], T)).toBe(false);
    expect(verifySignatureHeader(header, '{"a":1}', [], T)).toBe(false);
  });

  it('refuses another body', () => {
    expect(verifySignatureHeader(header, '{"a":2}', [KEY], T)).toBe(false);
    expect(verifySignatureHeader(header, '{"a": 1}', [KEY], T)).toBe(false);
  });

  it('refuses missing, malformed and partial headers', () => {
    for (const bad of [
      undefined,
      '',
      `t=${T}`,
      `s=${S}`,
      `t=abc&s=${S}`,
      `t=${T}&s=${S.slice(2)}`,
      `t=${T}&s=zz${S.slice(2)}`,
      `t=-1&s=${S}`,
    ]) {
      expect(verifySignatureHeader(bad, '{"a":1}', [KEY], T), String(bad)).toBe(false);
    }
  });

  it('accepts upper-case hex and parameters in either order', () => {
    expect(verifySignatureHeader(`s=${S.toUpperCase()}&t=${T}`, '{"a":1}', [KEY], T)).toBe(true);
  });
});

describe('bearerSigningKey', () => {
  it('matches the reference example: prefix kept, sha256 of the hex-decoded rest', () => {
    expect(bearerSigningKey(KEY)).toBe(
      'signkey-test-4884fdaafea47c29fea7159d0daddd9c085d6200e1359e85bb81736af6b7c837',
    );
  });

  it('hashes a key without prefix the same way, without a prefix', () => {
    expect(bearerSigningKey(stripSigningKeyPrefix(KEY))).toBe(
      '4884fdaafea47c29fea7159d0daddd9c085d6200e1359e85bb81736af6b7c837',
    );
  });
});
