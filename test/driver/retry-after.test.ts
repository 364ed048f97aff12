import { describe, expect, it } from 'vitest';
import { retryAtFromHeader } from '../../src/driver/retry-after.js';

const NOW = 1_700_000_000_000;
const S = 1000;
const DAY = 24 * 3600 * S;

describe('retryAtFromHeader', () => {
  it('reads up to 7 characters as integer seconds from now', () => {
    expect(retryAtFromHeader('30', NOW)).toBe(NOW + 30 * S);
    expect(retryAtFromHeader(' 30 ', NOW)).toBe(NOW + 30 * S);
    expect(retryAtFromHeader('3600', NOW)).toBe(NOW + 3600 * S);
    expect(retryAtFromHeader('0000090', NOW)).toBe(NOW + 90 * S);
  });

  it('reads a longer value as a date: RFC 3339, ISO 8601 with ms, RFC 1123', () => {
    expect(retryAtFromHeader('2023-11-14T22:14:20Z', NOW)).toBe(NOW + 60 * S);
    expect(retryAtFromHeader('2023-11-14T22:14:20.500Z', NOW)).toBe(NOW + 60 * S + 500);
    expect(retryAtFromHeader('2023-11-14T23:14:20+01:00', NOW)).toBe(NOW + 60 * S);
    expect(retryAtFromHeader('Tue, 14 Nov 2023 22:14:20 GMT', NOW)).toBe(NOW + 60 * S);
  });

  it('clamps to at least 1 s from now', () => {
    expect(retryAtFromHeader('0', NOW)).toBe(NOW + S);
    expect(retryAtFromHeader('-5', NOW)).toBe(NOW + S);
    expect(retryAtFromHeader('2001-01-01T00:00:00Z', NOW)).toBe(NOW + S);
  });

  it('clamps to at most 24 h from now', () => {
    expect(retryAtFromHeader('9999999', NOW)).toBe(NOW + DAY);
    expect(retryAtFromHeader('2099-01-01T00:00:00Z', NOW)).toBe(NOW + DAY);
    expect(retryAtFromHeader('86400', NOW)).toBe(NOW + DAY);
  });

  it('gives undefined for a missing or unparsable value', () => {
    for (const bad of [undefined, '', '   ', '1.5', '30s', 'soon', '1e3', 'not a date at all']) {
      expect(retryAtFromHeader(bad, NOW), String(bad)).toBeUndefined();
    }
  });

  it('treats a number longer than 7 characters as a date, as the Go executor does', () => {
    expect(retryAtFromHeader('12345678', NOW)).toBeUndefined();
  });
});
