import canonicalize from 'canonicalize';
import { AssertionError } from '../core/assert.js';

/** A UTF-16 surrogate half that is not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The JSON Canonicalization Scheme (RFC 8785) form of `value`: keys sorted by UTF-16 code
 * units, no whitespace, ECMAScript number formatting. This is the string the SDK recomputes
 * to check a request signature, so it is both what durq sends and what it signs.
 *
 * JSON text may carry a lone surrogate (`"\ud800"`), which JCS refuses; such a half is
 * replaced by U+FFFD, as Go's JSON decoder (and so the Inngest executor) does. A value that is
 * not JSON at all (undefined, NaN, Infinity, a circular structure) is a bug in the caller and
 * throws an AssertionError.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (err) {
    if (!(err instanceof Error) || !/surrogate/i.test(err.message)) throw notJson(err);
    try {
      text = canonicalize(withoutLoneSurrogates(value, new Set()));
    } catch (again) {
      throw notJson(again);
    }
  }
  if (text === undefined) throw new AssertionError(`canonicalJson: ${typeof value} is not JSON`);
  return text;
}

function notJson(err: unknown): AssertionError {
  const why = err instanceof Error ? err.message : String(err);
  return new AssertionError(`canonicalJson: value is not JSON: ${why}`);
}

/** A copy of `value` with every lone surrogate in its strings and keys replaced by U+FFFD. */
function withoutLoneSurrogates(value: unknown, seen: Set<object>): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (value === null || typeof value !== 'object') return value;
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJson === 'function') return withoutLoneSurrogates(toJson.call(value), seen);
  // Leave cycles to canonicalize, which names them.
  if (seen.has(value)) return value;
  seen.add(value);
  const copy = Array.isArray(value)
    ? value.map((v: unknown) => withoutLoneSurrogates(v, seen))
    : Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k.replace(LONE_SURROGATE, '\uFFFD'),
          withoutLoneSurrogates(v, seen),
        ]),
      );
  seen.delete(value);
  return copy;
}
