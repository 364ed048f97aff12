import { AssertionError, unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import type { BatchKeys } from '../batch-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { queueItemArgs, queueItemKeys, type StateContext, enqueueKeys } from './context.js';

/** lua/state/appendBatch-11.lua */
export const appendBatchScript = defineScript({
  script: LUA_SCRIPTS.appendBatch,
  keys: [
    'pointer',
    'seen',
    'batches',
    'batchEvents',
    'items',
    'tombstone',
    'ready',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
  ],
  args: [
    'functionId',
    'eventJson',
    'maxSize',
    'maxBytes',
    'now',
    'seenTtlMs',
    'newBatchId',
    'itemId',
    'itemJson',
    'score',
    'partitionId',
    'partitionJson',
    'accountId',
    'wakeChannel',
    'graceMs',
    'pointerTtlMs',
  ],
  statuses: ['OK', 'BATCH_OPENED', 'BATCH_FULL', 'BATCH_DUPLICATE', 'ITEM_EXISTS'],
});

export interface AppendBatchInput {
  functionId: string;
  /** The value of the function's batch key for this event ('' without a key). */
  batchKey: string;
  /** The event's internal ID: an event goes into one batch of a function only. */
  eventId: string;
  eventJson: string;
  maxSize: number;
  maxBytes: number;
  seenTtlMs: number;
  pointerTtlMs: number;
  /** The batch the event opens if no batch is open, and that batch's timer item. */
  newBatchId: string;
  timer: QueueItem;
}

/**
 * Where the event went: `appended` to the open batch, `opened` a new one (its timer queued),
 * filled it (`full`: the caller starts it now), or was in a batch already (`duplicate`).
 */
export interface AppendBatchResult {
  status: 'appended' | 'opened' | 'full' | 'duplicate';
  batchId: string;
}

export async function appendBatch(
  ctx: StateContext,
  keys: BatchKeys,
  input: AppendBatchInput,
): Promise<AppendBatchResult> {
  const item = input.timer;
  const q = queueItemKeys(ctx, item);
  const reply = (await appendBatchScript.run(ctx.shard.transport, {
    keys: {
      pointer: keys.pointer(input.functionId, input.batchKey),
      seen: keys.eventSeen(input.functionId, input.eventId),
      batches: keys.batches(),
      batchEvents: keys.batchEvents(),
      // items, tombstone, ready, partitions, globalPartitions, accounts, accountPartitions
      ...enqueueKeys(q),
    },
    args: {
      // partitionId, accountId, wakeChannel, graceMs, partitionJson (the spec takes what it names)
      ...queueItemArgs(ctx, item),
      functionId: input.functionId,
      eventJson: input.eventJson,
      maxSize: input.maxSize,
      maxBytes: input.maxBytes,
      now: ctx.shard.clock.now(),
      seenTtlMs: input.seenTtlMs,
      newBatchId: input.newBatchId,
      itemId: item.id,
      itemJson: encodeItem(item),
      score: item.score,
      pointerTtlMs: input.pointerTtlMs,
    },
  })) as [number, string];
  const status = appendBatchScript.status(reply[0]);
  const batchId = reply[1];
  switch (status) {
    case 'OK':
      return { status: 'appended', batchId };
    case 'BATCH_OPENED':
      return { status: 'opened', batchId };
    case 'BATCH_FULL':
      return { status: 'full', batchId };
    case 'BATCH_DUPLICATE':
      return { status: 'duplicate', batchId };
    case 'ITEM_EXISTS':
      // Batch IDs are fresh ULIDs: a timer that exists already means one was reused.
      throw new AssertionError(`appendBatch: the timer of new batch ${batchId} exists`);
    default:
      return unreachable(status, 'appendBatch status');
  }
}
