import { describe, expect, it } from 'vitest';
import { AssertionError, unreachable } from '../../../src/core/assert.js';
import { enqueueScript } from '../../../src/queue/shard/enqueue.js';

/**
 * A wrapper that forgets one of its script's statuses does not compile: the spec's status union
 * reaches `unreachable` as a non-`never` type. `npm run typecheck` fails if the @ts-expect-error
 * below stops being needed, i.e. if exhaustiveness stops being enforced.
 */
function forgetsTombstoned(code: unknown): string {
  const status = enqueueScript.status(code);
  switch (status) {
    case 'OK':
      return 'enqueued';
    case 'ITEM_EXISTS':
      return 'exists';
    default:
      // @ts-expect-error -- 'ITEM_TOMBSTONED' is not handled, so `status` is not `never` here
      return unreachable(status, 'enqueue status');
  }
}

describe('exhaustive status handling', () => {
  it('a status the wrapper forgot reaches unreachable(), which names it', () => {
    expect(forgetsTombstoned(0)).toBe('enqueued');
    expect(() => forgetsTombstoned(2)).toThrow(AssertionError);
    expect(() => forgetsTombstoned(2)).toThrow(/unexpected enqueue status: "ITEM_TOMBSTONED"/);
  });

  it('a code the spec does not list is refused as an unknown status naming the script', () => {
    expect(() => enqueueScript.status(-3)).toThrow(/script 'enqueue' returned unknown status -3/);
  });
});
