import { describe, expect, it } from 'vitest';
import { bearerSigningKey } from '../../src/driver/signing.js';
import { KeyRing } from '../../src/server/auth.js';

const KEY = `signkey-test-${'ab'.repeat(32)}`;
const FALLBACK = `signkey-test-${'cd'.repeat(32)}`;

describe('KeyRing: production-mode key checks', () => {
  it('dev mode (no signing key) accepts every request and any event key', () => {
    const keys = new KeyRing([], []);
    expect(keys.devMode).toBe(true);
    expect(keys.authorized(undefined)).toBe(true);
    expect(keys.eventKeyAccepted('NO_EVENT_KEY_SET')).toBe(true);
  });

  it('accepts the plain key and the hashed form the SDK sends, with or without the prefix', () => {
    const keys = new KeyRing([KEY], ['ek']);
    const hashed = bearerSigningKey(KEY);
    expect(keys.authorized(`Bearer ${KEY}`)).toBe(true);
    expect(keys.authorized(`Bearer ${hashed}`)).toBe(true);
    expect(keys.authorized(`Bearer ${hashed.replace('signkey-test-', '')}`)).toBe(true);
    expect(keys.authorized(`Bearer ${hashed.replace('signkey-test-', 'signkey-prod-')}`)).toBe(
      true,
    );
    expect(keys.authorized(`bearer ${KEY}`)).toBe(true);
  });

  it('refuses a missing, malformed or wrong key', () => {
    const keys = new KeyRing([KEY], ['ek']);
    expect(keys.authorized(undefined)).toBe(false);
    expect(keys.authorized('')).toBe(false);
    expect(keys.authorized(KEY)).toBe(false); // no "Bearer"
    expect(keys.authorized('Bearer undefined')).toBe(false);
    expect(keys.authorized(`Bearer ${FALLBACK}`)).toBe(false);
    expect(keys.authorized(`Bearer ${bearerSigningKey(FALLBACK)}`)).toBe(false);
  });

  it('accepts the fallback key when it is configured (rotation)', () => {
    const keys = new KeyRing([KEY, FALLBACK], ['ek']);
    expect(keys.authorized(`Bearer ${bearerSigningKey(FALLBACK)}`)).toBe(true);
  });

  it('accepts only the configured event keys, never the empty one', () => {
    const keys = new KeyRing([KEY], ['ek-1', 'ek-2']);
    expect(keys.eventKeyAccepted('ek-1')).toBe(true);
    expect(keys.eventKeyAccepted('ek-2')).toBe(true);
    expect(keys.eventKeyAccepted('ek-3')).toBe(false);
    expect(keys.eventKeyAccepted('')).toBe(false);
    expect(keys.eventKeyAccepted('NO_EVENT_KEY_SET')).toBe(false);
  });
});
