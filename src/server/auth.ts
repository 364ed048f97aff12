import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerSigningKey, stripSigningKeyPrefix } from '../driver/signing.js';

/**
 * Production mode's key checks (reference §15): `/fn/register`, `/v0` and `/v1` need
 * `Authorization: Bearer <key>`, where the key is a signing key as configured or in the hashed
 * form the SDK sends (prefix-insensitive); `/e/:key` needs a configured event key.
 */
export class KeyRing {
  private readonly signing: Buffer[];
  private readonly events: Buffer[];

  constructor(signingKeys: readonly string[], eventKeys: readonly string[]) {
    this.signing = signingKeys.flatMap((k) => [
      digest(stripSigningKeyPrefix(k)),
      digest(stripSigningKeyPrefix(bearerSigningKey(k))),
    ]);
    this.events = eventKeys.map(digest);
  }

  /** Dev mode: no key configured, nothing is checked. */
  get devMode(): boolean {
    return this.signing.length === 0;
  }

  /** Whether an Authorization header carries an accepted signing key (always, in dev mode). */
  authorized(header: string | undefined): boolean {
    if (this.devMode) return true;
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (token === undefined) return false;
    return includes(this.signing, digest(stripSigningKeyPrefix(token)));
  }

  /** Whether `/e/:key` may store events under this key (any key in dev mode). */
  eventKeyAccepted(key: string): boolean {
    if (this.devMode) return true;
    return key !== '' && includes(this.events, digest(key));
  }
}

/** Fixed-length digests, so that the comparison takes the same time for every candidate. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function includes(keys: readonly Buffer[], candidate: Buffer): boolean {
  let found = false;
  for (const key of keys) if (timingSafeEqual(key, candidate)) found = true;
  return found;
}
