import { Environment, Optional } from '@marcbachmann/cel-js';

/**
 * The one CEL environment durq evaluates expressions in (trigger `expression`, cancel and
 * waitForEvent `if`, flow-control keys, `priority.run`).
 *
 * - Every variable is dynamic (`event`, `async`, `events`, …), as in Inngest, which accepts any
 *   attribute path; nothing is declared.
 * - List and map literals may mix types (`[1, "a"]`), so an interpolated event (whose lists and
 *   maps are JSON) is always a valid literal.
 * - Numbers: JSON numbers arrive as JS numbers, which cel-js reads as CEL `double`, the same
 *   type the Go server gives them (encoding/json decodes every number to float64). They are not
 *   converted. Comparisons across int and double work on such values (`async.data.amount > 10`
 *   is true for 11 and 10.5; `== 10` is true for 10), arithmetic needs double literals
 *   (`async.data.n + 1.0`; `async.data.n + 1` is a CEL overload error, so the expression does
 *   not match). Converting integral JS numbers to CEL `int` instead would make an expression's
 *   type, and so whether it errors, depend on whether a value happens to be whole
 *   (`async.data.n + 0.5` would work for 1.5 and fail for 1), so durq does not.
 * - Structural limits are raised above cel-js's defaults so a large event can be interpolated.
 */
export const celEnvironment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: {
    maxAstNodes: 1_000_000,
    maxDepth: 1_000,
    maxListElements: 100_000,
    maxMapEntries: 100_000,
  },
});

/**
 * A CEL result as plain JS: CEL `int` (BigInt) and `uint` become numbers, `optional` values are
 * unwrapped (`undefined` when empty), lists and maps are converted element by element.
 */
export function fromCelValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (isUnsignedInt(value)) return Number(value.valueOf());
  if (value instanceof Optional) return value.hasValue() ? fromCelValue(value.value()) : undefined;
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCelValue(v)]));
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCelValue(v);
    return out;
  }
  return value;
}

/** A cel-js `uint` (an UnsignedInt: an object whose `valueOf()` is a BigInt). */
function isUnsignedInt(value: object): value is { valueOf(): bigint } {
  return value.constructor?.name === 'UnsignedInt' && typeof value.valueOf() === 'bigint';
}
