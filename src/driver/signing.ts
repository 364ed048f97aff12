import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The environment prefix of a signing key: `signkey-test-`, `signkey-prod-`, `signkey-branch-`. */
const KEY_PREFIX = /^signkey-\w+-/;

/** The signing key without its `signkey-<env>-` prefix (unchanged when it has none). */
export function stripSigningKeyPrefix(key: string): string {
  return key.replace(KEY_PREFIX, '');
}

function mac(body: string, signingKey: string, unixSeconds: number): string {
  return createHmac('sha256', Buffer.from(stripSigningKeyPrefix(signingKey), 'utf8'))
    .update(body + String(unixSeconds))
    .digest('hex');
}

/**
 * The `X-Inngest-Signature` value for a request: `t=<unix seconds>&s=<hex HMAC-SHA256>`, the MAC
 * taken over `canonicalBody` followed by the decimal `t`, keyed by the UTF-8 bytes of the
 * prefix-stripped key (the key is not hex-decoded). `canonicalBody` must be the JCS form the
 * SDK recomputes (`canonicalJson`), or `""` for a request without a body.
 */
export function signatureHeader(
  canonicalBody: string,
  signingKey: string,
  unixSeconds: number,
): string {
  return `t=${unixSeconds}&s=${mac(canonicalBody, signingKey, unixSeconds)}`;
}

/**
 * Whether `header` (`t=…&s=…`) is a valid signature of `body` by one of `keys`, made within
 * `toleranceS` seconds of `nowSeconds` either way. `body` is taken as given: the SDK signs its
 * response body as sent, and a test SDK checking a request passes the canonical body. The MAC
 * comparison is constant-time; every key is tried so the time does not say which matched.
 */
export function verifySignatureHeader(
  header: string | undefined,
  body: string,
  keys: readonly string[],
  nowSeconds: number,
  toleranceS = 300,
): boolean {
  if (!header) return false;
  const params = new URLSearchParams(header);
  const t = params.get('t');
  const s = params.get('s');
  if (t === null || s === null || !/^\d+$/.test(t) || !/^[0-9a-f]{64}$/i.test(s)) return false;
  const seconds = Number(t);
  if (Math.abs(nowSeconds - seconds) > toleranceS) return false;
  const given = Buffer.from(s.toLowerCase(), 'hex');
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(mac(body, key, seconds), 'hex');
    if (timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/**
 * The form of a signing key an SDK sends as `Authorization: Bearer …` to the server: the prefix
 * kept, then the hex SHA-256 of the hex-decoded rest. Meant for hex keys, as Inngest issues
 * them: a rest that is not hex is hashed as Node's hex decoder reads it (up to its first non-hex
 * pair), which need not match the SDK's own decoder.
 */
export function bearerSigningKey(key: string): string {
  const prefix = KEY_PREFIX.exec(key)?.[0] ?? '';
  const digest = createHash('sha256')
    .update(Buffer.from(key.slice(prefix.length), 'hex'))
    .digest('hex');
  return prefix + digest;
}
