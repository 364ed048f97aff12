import { DurqError } from './errors.js';

/** An internal invariant did not hold: a bug in durq, never a user error. */
export class AssertionError extends DurqError {
  override name = 'AssertionError';

  constructor(message: string) {
    super('ASSERTION_FAILED', `assertion failed: ${message}`);
  }
}

/** Crashes instead of carrying on when `condition` is false (never stripped). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * The default branch of an exhaustive switch: the compiler rejects the call when a case is
 * missing (its argument is then not `never`); at run time it names the value it did not expect.
 */
export function unreachable(value: never, what: string): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
