import type { ParseResult } from '@marcbachmann/cel-js';
import { celEnvironment, fromCelValue } from './cel-environment.js';
import { celLiteral } from './cel-literal.js';
import { findVariableReferences, type PathSegment } from './cel-references.js';
import { InvalidExpressionError } from './errors.js';

/**
 * A CEL expression, parsed once. Evaluation never throws: an expression that errors (a missing
 * field, a type mismatch, `1 / 0`) evaluates to `undefined`, and a trigger or pause whose
 * expression errors does not match. Numbers follow cel-environment.ts: JSON numbers are CEL
 * doubles; results are plain JS (CEL ints come back as numbers).
 */
export interface CompiledExpression {
  readonly source: string;
  /** The value of the expression over `vars` (`{ event }`, `{ async }`, …), or `undefined`. */
  evaluate(vars: Record<string, unknown>): unknown;
  /** True only when the expression evaluates to the boolean `true`. */
  matches(vars: Record<string, unknown>): boolean;
}

class CelExpression implements CompiledExpression {
  constructor(
    readonly source: string,
    private readonly program: ParseResult,
  ) {}

  evaluate(vars: Record<string, unknown>): unknown {
    try {
      const value: unknown = this.program(vars);
      if (typeof (value as { then?: unknown } | null)?.then === 'function') return undefined;
      return fromCelValue(value);
    } catch {
      return undefined;
    }
  }

  matches(vars: Record<string, unknown>): boolean {
    try {
      return this.program(vars) === true;
    } catch {
      return false;
    }
  }
}

/** How many compiled expressions the cache keeps (least recently used go first). */
export const EXPRESSION_CACHE_SIZE = 10_000;

const cache = new Map<string, CompiledExpression>();

/**
 * Parses `source` as CEL, or throws InvalidExpressionError naming `where` (e.g. `trigger
 * expression of fn app-x`) with the parser's error as cause. Compiled expressions are cached by
 * source, so compiling the same text twice parses it once.
 */
export function compileExpression(source: string, where: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit !== undefined) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  if (typeof source !== 'string')
    throw new InvalidExpressionError(String(source), where, 'not a string');
  let program: ParseResult;
  try {
    program = celEnvironment.parse(source);
  } catch (err) {
    throw new InvalidExpressionError(source, where, err);
  }
  const compiled = new CelExpression(source, program);
  cache.set(source, compiled);
  if (cache.size > EXPRESSION_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/**
 * `source` with every read of `event` replaced by the CEL literal of that value in `event` (the
 * run's triggering event, as sent to the SDK), so that the result depends on `async` only: what
 * the Go executor stores for a waitForEvent or cancelOn pause. `event.data.id == async.data.id`
 * with `event.data.id = 'a"b'` becomes `"a\"b" == async.data.id`.
 *
 * Dot paths and literal subscripts (`event["data"]`, `event.data.list[0]`) are followed; a path
 * into a missing field, or through a value that is not an object or list, becomes `null`
 * (Inngest treats unknown attributes as null); `has(event.path)` becomes `true` or `false`.
 * String literals and comments are left alone. Numbers become `dyn(<double>)` (cel-literal.ts).
 * A comprehension variable named `event` (`list.exists(event, …)`) is not supported.
 * Throws InvalidExpressionError when `source`, or the interpolated text, does not compile.
 */
export function interpolateEvent(source: string, event: unknown, where = 'expression'): string {
  compileExpression(source, where);
  const refs = findVariableReferences(source, 'event', decodeLiteral);
  let out = source;
  for (const ref of refs.reverse()) {
    const found = lookup(event, ref.path);
    if (ref.hasCall !== undefined) {
      const span = ref.hasCall;
      out = out.slice(0, span.start) + String(found.present) + out.slice(span.end);
    } else {
      out = out.slice(0, ref.start) + celLiteral(found.value) + out.slice(ref.end);
    }
  }
  if (refs.length > 0) compileExpression(out, `${where}, with the triggering event's values`);
  return out;
}

function decodeLiteral(literal: string): unknown {
  try {
    return celEnvironment.evaluate(literal);
  } catch {
    return undefined;
  }
}

function lookup(root: unknown, path: PathSegment[]): { present: boolean; value: unknown } {
  let value = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value) || segment < 0 || segment >= value.length)
        return { present: false, value: null };
      value = value[segment];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return { present: false, value: null };
      if (!Object.prototype.hasOwnProperty.call(value, segment))
        return { present: false, value: null };
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return { present: value !== undefined, value: value ?? null };
}
