import { UnknownStatusError } from '../../core/errors.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import type { DebounceKeys } from '../debounce-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { queueItemArgs, queueItemKeys, type StateContext, enqueueKeys } from './context.js';

/** lua/state/debounceEvent-9.lua */
export const debounceEventScript = defineScript({
  script: LUA_SCRIPTS.debounceEvent,
  keys: [
    'pointer',
    'windows',
    'items',
    'tombstone',
    'ready',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
  ],
  args: [
    'windowId',
    'functionId',
    'key',
    'eventJson',
    'eventTs',
    'now',
    'periodMs',
    'timeoutMs',
    'itemId',
    'itemJson',
    'score',
    'partitionId',
    'partitionJson',
    'accountId',
    'wakeChannel',
    'graceMs',
  ],
  statuses: ['OK', 'DEBOUNCE_EXTENDED', 'DEBOUNCE_STALE', 'ITEM_EXISTS', 'ITEM_TOMBSTONED'],
});

export interface DebounceEventInput {
  /** The ID a new window gets (a ULID). */
  windowId: string;
  functionId: string;
  /** The evaluated debounce key. */
  key: string;
  eventJson: string;
  eventTs: number;
  /** The time the window's times are counted from (the timer item is built for it). */
  now: number;
  periodMs: number;
  /** 0: no bound. */
  timeoutMs: number;
  /** The new window's timer, due at now + min(periodMs, timeoutMs). */
  timer: QueueItem;
}

/** What an arriving event did: opened a window, joined the open one, or was older than it. */
export type DebounceEventResult = { status: 'opened' | 'extended' | 'stale'; windowId: string };

export async function debounceEvent(
  ctx: StateContext,
  keys: DebounceKeys,
  input: DebounceEventInput,
): Promise<DebounceEventResult> {
  const item = input.timer;
  const q = queueItemKeys(ctx, item);
  const reply = (await debounceEventScript.run(ctx.shard.transport, {
    keys: {
      pointer: keys.pointer(input.functionId, input.key),
      windows: keys.windows(),
      // items, tombstone, ready, partitions, globalPartitions, accounts, accountPartitions
      ...enqueueKeys(q),
    },
    args: {
      ...queueItemArgs(ctx, item),
      windowId: input.windowId,
      functionId: input.functionId,
      key: input.key,
      eventJson: input.eventJson,
      eventTs: input.eventTs,
      now: input.now,
      periodMs: input.periodMs,
      timeoutMs: input.timeoutMs,
      itemId: item.id,
      itemJson: encodeItem(item),
      score: item.score,
    },
  })) as [number, string];
  const status = debounceEventScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'opened', windowId: reply[1] };
    case 'DEBOUNCE_EXTENDED':
      return { status: 'extended', windowId: reply[1] };
    case 'DEBOUNCE_STALE':
      return { status: 'stale', windowId: reply[1] };
    case 'ITEM_EXISTS':
    case 'ITEM_TOMBSTONED':
      // The timer's ID comes from a new ULID: taken means a bug or a clash, never a retry.
      throw new UnknownStatusError(debounceEventScript.name, status);
  }
}
