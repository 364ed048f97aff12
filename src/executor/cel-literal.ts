/**
 * CEL source text for a JSON value, as durq writes an event's values into an expression.
 *
 * Strings, booleans and null are plain literals. A number is written as `dyn(<double>)`: inside
 * an event it is a CEL double of dynamic type (see cel-environment.ts), and a bare literal would
 * not behave the same (`10.0 == 10` is an overload error between literals, `dyn(10.0) == 10` is
 * true, as `event.data.n == 10` is). Lists and objects become list and map literals of the same.
 */
export function celLiteral(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? `dyn(${doubleLiteral(value)})` : 'null';
    case 'bigint':
      return `dyn(${doubleLiteral(Number(value))})`;
    case 'string':
      return celString(value);
    case 'object':
      return value === null ? 'null' : aggregateLiteral(value);
    default:
      return 'null';
  }
}

function aggregateLiteral(value: object): string {
  if (Array.isArray(value)) return `[${value.map(celLiteral).join(', ')}]`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return celLiteral(toJSON.call(value));
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
    .map(([k, v]) => `${celString(k)}: ${celLiteral(v)}`);
  return `{${entries.join(', ')}}`;
}

/** A CEL double literal: always with a fraction or exponent, so it never reads as an int. */
function doubleLiteral(n: number): string {
  const s = String(n);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A double-quoted CEL string literal. JSON's escapes (`\"`, `\\`, `\n`, `\u0001`, …) are all
 * valid CEL escapes; a lone UTF-16 surrogate, which CEL strings cannot hold, becomes U+FFFD.
 */
export function celString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, '\ufffd'));
}
