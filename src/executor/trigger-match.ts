import { toSdkEvent, type StoredEvent } from './event.js';
import { compileExpression } from './expression.js';
import type { FunctionDefinition } from './function-config.js';

/** Invocation events are routed by `data._inngest.fn_id`, never by trigger name. */
export const FUNCTION_INVOKED_EVENT = 'inngest/function.invoked';

/**
 * Whether a trigger's `event` pattern matches an event name. As in Inngest
 * (`GenerateMatchingPatterns` in pkg/inngest/trigger.go), a pattern matches its own name, and a
 * pattern ending in `/*` or `.*` matches every name that starts with what precedes the `*`:
 * `app/*` matches `app/user.created`, `app/user.*` matches `app/user.created`; a `*` anywhere
 * else is an ordinary character.
 */
export function eventNameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.endsWith('/*') && !pattern.endsWith('.*')) return false;
  return name.startsWith(pattern.slice(0, -1));
}

/**
 * The functions `event` starts a run of: those with an event trigger whose pattern matches its
 * name and whose `expression` (if any) is true with `{ event }` (the event as the SDK sees it).
 * Each function appears at most once, in `fns` order, however many of its triggers match.
 * `inngest/function.invoked` matches nothing here.
 */
export function functionsForEvent(
  fns: readonly FunctionDefinition[],
  event: StoredEvent,
): FunctionDefinition[] {
  if (event.name === FUNCTION_INVOKED_EVENT) return [];
  let vars: { event: unknown } | undefined;
  return fns.filter((fn) =>
    fn.triggers.some((t) => {
      if (!('event' in t) || !eventNameMatches(t.event, event.name)) return false;
      if (t.expression === undefined) return true;
      vars ??= { event: toSdkEvent(event) };
      return compileExpression(t.expression, `trigger expression of fn ${fn.id}`).matches(vars);
    }),
  );
}
