/**
 * Finds where a CEL expression reads a variable (`event.data.id`, `event["data"].list[0]`),
 * by scanning its tokens: string literals (quoted, triple-quoted, raw, bytes) and `//` comments are
 * skipped, so `"event.x"` is not a reference; `async.event` (a field) and `event(…)` (a call)
 * are not either. The path stops before a method call: in `event.data.x.startsWith("a")` the
 * reference is `event.data.x`. The scanner assumes the source already compiles.
 */

/** One step of a path: a field name (`.x`, `["x"]`) or a list index (`[0]`). */
export type PathSegment = string | number;

/** A read of the variable: `source.slice(start, end)` is the whole path expression. */
export interface VariableReference {
  start: number;
  end: number;
  path: PathSegment[];
  /** Set when the reference is the argument of `has(…)`: the span of the whole call. */
  hasCall?: { start: number; end: number };
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Every reference to `variable` in `source`, in source order. */
export function findVariableReferences(
  source: string,
  variable: string,
  decodeLiteral: (literal: string) => unknown,
): VariableReference[] {
  const refs: VariableReference[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '/' && source[i + 1] === '/') {
      const nl = source.indexOf('\n', i);
      i = nl === -1 ? source.length : nl + 1;
    } else if (c === '"' || c === "'") {
      i = skipString(source, i);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      i = skipNumber(source, i);
    } else if (IDENT_START.test(c)) {
      const end = identEnd(source, i);
      if (source.slice(i, end) === variable && !isFieldOrCall(source, i, end)) {
        const ref = readPath(source, i, end, decodeLiteral);
        refs.push(withHasCall(source, ref));
        i = ref.end;
      } else {
        i = end;
      }
    } else {
      i++;
    }
  }
  return refs;
}

function identEnd(source: string, i: number): number {
  let j = i + 1;
  while (j < source.length && IDENT_PART.test(source[j] as string)) j++;
  return j;
}

function skipSpace(source: string, i: number): number {
  while (i < source.length && /\s/.test(source[i] as string)) i++;
  return i;
}

function skipSpaceBack(source: string, i: number): number {
  while (i > 0 && /\s/.test(source[i - 1] as string)) i--;
  return i;
}

/**
 * End index (exclusive) of the string literal whose opening quote is at `i`. A backslash
 * escapes the next character in raw strings too: CEL's lexer (cel-go's grammar, cel-js) reads
 * `r"a\"b"` as one literal; a raw string only leaves its escapes uninterpreted.
 */
function skipString(source: string, i: number): number {
  const q = source[i] as string;
  const triple = source.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  let j = i + close.length;
  while (j < source.length) {
    if (source[j] === '\\') j += 2;
    else if (source.startsWith(close, j)) return j + close.length;
    else j++;
  }
  return source.length;
}

function skipNumber(source: string, i: number): number {
  let j = i;
  while (j < source.length && IDENT_PART.test(source[j] as string)) j++;
  if (source[j] === '.' && /[0-9]/.test(source[j + 1] ?? '')) {
    j++;
    while (j < source.length && IDENT_PART.test(source[j] as string)) j++;
  }
  return j === i ? i + 1 : j;
}

/** `x.event`, `x.?event` (a field named like the variable) or `event(…)` (a function). */
function isFieldOrCall(source: string, start: number, end: number): boolean {
  const before = skipSpaceBack(source, start);
  const prev = source[before - 1];
  if (prev === '.' || (prev === '?' && source[skipSpaceBack(source, before - 1) - 1] === '.'))
    return true;
  return source[skipSpace(source, end)] === '(';
}

function readPath(
  source: string,
  start: number,
  end: number,
  decodeLiteral: (literal: string) => unknown,
): VariableReference {
  const path: PathSegment[] = [];
  for (;;) {
    const next = readSegment(source, end, decodeLiteral);
    if (next === undefined) return { start, end, path };
    path.push(next.segment);
    end = next.end;
  }
}

/** The `.field` or `[literal]` right after `at`, unless it is a method call or not a literal. */
function readSegment(
  source: string,
  at: number,
  decodeLiteral: (literal: string) => unknown,
): { segment: PathSegment; end: number } | undefined {
  const j = skipSpace(source, at);
  if (source[j] === '.') {
    const k = skipSpace(source, j + 1);
    if (!IDENT_START.test(source[k] ?? '')) return undefined;
    const end = identEnd(source, k);
    if (source[skipSpace(source, end)] === '(') return undefined;
    return { segment: source.slice(k, end), end };
  }
  if (source[j] !== '[') return undefined;
  const k = skipSpace(source, j + 1);
  const literalEnd = literalEndAt(source, k);
  if (literalEnd === undefined) return undefined;
  const close = skipSpace(source, literalEnd);
  if (source[close] !== ']') return undefined;
  const key = decodeLiteral(source.slice(k, literalEnd));
  if (typeof key === 'string') return { segment: key, end: close + 1 };
  if (typeof key === 'bigint' || typeof key === 'number')
    return { segment: Number(key), end: close + 1 };
  return undefined;
}

/** End of a string or integer literal starting at `k`, or undefined if none starts there. */
function literalEndAt(source: string, k: number): number | undefined {
  const c = source[k] ?? '';
  if (c === '"' || c === "'") return skipString(source, k);
  if (/[rR]/.test(c) && /["']/.test(source[k + 1] ?? '')) return skipString(source, k + 1);
  if (/[0-9]/.test(c)) return skipNumber(source, k);
  return undefined;
}

/** Marks a reference that is the whole argument of a `has(…)` macro. */
function withHasCall(source: string, ref: VariableReference): VariableReference {
  const open = skipSpaceBack(source, ref.start);
  if (source[open - 1] !== '(') return ref;
  const nameEnd = skipSpaceBack(source, open - 1);
  const nameStart = nameEnd - 3;
  if (source.slice(nameStart, nameEnd) !== 'has') return ref;
  if (nameStart > 0 && /[A-Za-z0-9_.]/.test(source[nameStart - 1] as string)) return ref;
  const close = skipSpace(source, ref.end);
  if (source[close] !== ')') return ref;
  return { ...ref, hasCall: { start: nameStart, end: close + 1 } };
}
