import type { z } from 'zod';

/** One problem of a failed zod parse, as durq reports it: where, what, and any CEL cause. */
export interface ReportedIssue {
  path: string;
  problem: string;
  celError?: unknown;
  source?: string;
}

/** `['functions', 0, 'steps', 'step']` → `functions[0].steps.step` (odd keys as `["a b"]`). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * The first issue of a failed parse. For a union that failed, the branch the input was meant
 * for is reported (the first whose issues are not a type mismatch at the union's own level),
 * so `concurrency.limit` is named rather than just `concurrency`.
 */
export function firstIssue(issues: readonly z.core.$ZodIssue[]): ReportedIssue {
  const issue = issues[0];
  if (issue === undefined) return { path: '(root)', problem: 'is invalid' };
  return describe(issue, []);
}

function describe(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): ReportedIssue {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = issue.errors.find((b) => !b.some((i) => isTypeMismatchAtRoot(i)));
    const inner = branch?.[0];
    if (inner !== undefined) return describe(inner, path);
  }
  const reported: ReportedIssue = { path: formatPath(path), problem: issue.message };
  if (issue.code === 'custom' && issue.params !== undefined) {
    const params = issue.params as { celError?: unknown; source?: unknown };
    if (params.celError !== undefined) reported.celError = params.celError;
    if (typeof params.source === 'string') reported.source = params.source;
  }
  return reported;
}

function isTypeMismatchAtRoot(issue: z.core.$ZodIssue): boolean {
  return (
    issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_union')
  );
}

/**
 * Messages for the common issue kinds in durq's words ("is required", "must be a string, got
 * number"); other issues keep zod's own message. Pass as the `error` option of `safeParse`.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${article(issue.expected)}, got ${typeName(issue.input)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1)
    return 'must not be empty';
  if (issue.code === 'too_small' && issue.origin === 'number')
    return `must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'number')
    return `must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
  if (issue.code === 'too_big' && issue.origin === 'array')
    return `must have at most ${String(issue.maximum)} entries`;
  if (issue.code === 'too_big' && issue.origin === 'string')
    return `must be at most ${String(issue.maximum)} characters`;
  return undefined;
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'non-integer number';
  return typeof value;
}
