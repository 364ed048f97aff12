import { compileExpression } from './expression.js';
import type { SdkEvent } from './event.js';

/**
 * The key a rate limit or singleton applies to (reference §11.3, §11.5): the function's ID, or
 * `<fn>-<value>` for a key expression, its value evaluated on the trigger event (a string as it
 * is, anything else as JSON; an expression that fails gives the empty value). `null` when the
 * expression evaluates to `false`: the limit does not apply to this event.
 */
export function flowKeyOf(
  functionId: string,
  source: string | undefined,
  event: SdkEvent,
  where: string,
): string | null {
  if (source === undefined) return functionId;
  const value = compileExpression(source, where).evaluate({ event });
  if (value === false) return null;
  if (value === undefined || value === null) return `${functionId}-`;
  return `${functionId}-${typeof value === 'string' ? value : JSON.stringify(value)}`;
}
