import type { Checker, CheckContext } from './checker.js';
import type { CallEvent } from './events.js';

/** What an item was when an enqueue of its ID reached Redis. */
export type EnqueueMet = 'new' | 'queued' | 'leased' | 'finished';

/**
 * Enqueue is idempotent by item ID: the first enqueue stores the item; one while it is queued or
 * leased answers ITEM_EXISTS; one after it finished answers ITEM_TOMBSTONED while its tombstone
 * lasts (the simulated shard keeps the default 12 h, longer than any run). Counts what each
 * enqueue met, so a run shows that its duplicates reached every state.
 */
export class IdempotencyChecker implements Checker {
  readonly met: Record<EnqueueMet, number> = { new: 0, queued: 0, leased: 0, finished: 0 };

  before(_process: string, e: CallEvent, ctx: CheckContext): void {
    if (e.type !== 'enqueueAnswered') return;
    const state = this.stateOf(e.itemId, ctx);
    this.met[state]++;
    const expected = {
      new: 'OK',
      queued: 'ITEM_EXISTS',
      leased: 'ITEM_EXISTS',
      finished: 'ITEM_TOMBSTONED',
    }[state];
    if (e.status !== expected) {
      ctx.fail(
        'idempotency',
        `enqueue of ${e.itemId} (${state}) answered ${e.status}, expected ${expected}`,
      );
    }
  }

  private stateOf(id: string, ctx: CheckContext): EnqueueMet {
    const item = ctx.items.get(id);
    if (!item) return 'new';
    if (item.terminal) return 'finished';
    const holder = ctx.leases.holders.get(id);
    return holder && holder.expiresAt > ctx.now() ? 'leased' : 'queued';
  }
}
