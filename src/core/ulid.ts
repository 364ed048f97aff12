import { InvalidOptionError } from './errors.js';
import type { Random } from './random.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;
/** The largest time a ULID can carry: 2^48 - 1 ms. */
export const ULID_TIME_MAX = 2 ** 48 - 1;
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i] as const));

/** A ULID whose 48-bit timestamp is `timeMs` and whose 80 random bits come from `random`. */
export function ulid(timeMs: number, random: Random): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs > ULID_TIME_MAX) {
    throw new InvalidOptionError('timeMs', `must be an integer ms in [0, 2^48), got ${timeMs}`);
  }
  let time = '';
  let t = timeMs;
  for (let i = 0; i < TIME_LEN; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < RANDOM_LEN; i++) rand += ALPHABET[random.int(32)];
  return time + rand;
}

/** The timestamp of a ULID, in ms. Throws on a string that is not a ULID. */
export function ulidTime(id: string): number {
  if (id.length !== TIME_LEN + RANDOM_LEN)
    throw new InvalidOptionError('id', `is not a ULID (length ${id.length}): ${id}`);
  let t = 0;
  for (let i = 0; i < TIME_LEN; i++) {
    const v = DECODE.get(id[i] as string);
    if (v === undefined)
      throw new InvalidOptionError('id', `is not a ULID (bad character '${id[i]}'): ${id}`);
    t = t * 32 + v;
  }
  return t;
}

/** True when `id` is a well-formed ULID. */
export function isUlid(id: string): boolean {
  if (id.length !== TIME_LEN + RANDOM_LEN) return false;
  for (const c of id) if (!DECODE.has(c)) return false;
  return ulidTime(id) <= ULID_TIME_MAX;
}

/** A lease ID: a ULID whose timestamp is the lease expiry. */
export function leaseId(expiresAtMs: number, random: Random): string {
  return ulid(expiresAtMs, random);
}
