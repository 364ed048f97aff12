import { unreachable } from '../../core/assert.js';
import type { QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { fenceRefusal, type FenceStatus } from '../status.js';
import {
  ITEM_IN_PROGRESS_KEYS,
  ITEM_STATE_KEYS,
  itemPartition,
  itemScriptKeys,
  PARTITION_INDEX_KEYS,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { FENCE_STATUSES, type FenceResult } from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/dequeue-14.lua */
export const dequeueScript = defineScript({
  script: LUA_SCRIPTS.dequeue,
  keys: [...ITEM_STATE_KEYS, 'tombstone', ...PARTITION_INDEX_KEYS, ...ITEM_IN_PROGRESS_KEYS],
  args: [
    'itemId',
    'partitionId',
    'leaseId',
    'now',
    'tombstoneTtlMs',
    'accountId',
    'wakeChannel',
    'graceMs',
  ],
  statuses: FENCE_STATUSES,
});

export interface DequeueEntry {
  item: QueueItem;
  /** The holder's lease; null removes an item that is not leased (cancellation). */
  leaseId: string | null;
}

export async function dequeueItem(ctx: ShardContext, entry: DequeueEntry): Promise<FenceResult> {
  const { item } = entry;
  const code = await dequeueScript.run(ctx.transport, {
    keys: itemScriptKeys(ctx, item),
    args: {
      itemId: item.id,
      partitionId: item.partitionId,
      leaseId: entry.leaseId ?? '',
      now: ctx.clock.now(),
      tombstoneTtlMs: item.idempotencyTtlMs ?? ctx.tombstoneTtlMs,
      accountId: scriptAccountId(itemPartition(item)),
      wakeChannel: ctx.keys.wakeChannel(),
      graceMs: ctx.graceMs,
    },
  });
  return toFenceResult(dequeueScript.status(code));
}

/** A fence status as the caller sees it. */
export function toFenceResult(status: FenceStatus): FenceResult {
  switch (status) {
    case 'OK':
      return { ok: true };
    case 'NOT_FOUND':
    case 'ALREADY_LEASED':
    case 'LEASE_MISMATCH':
    case 'LEASE_EXPIRED':
    case 'NOT_LEASED':
      return { ok: false, reason: fenceRefusal(status) };
    default:
      return unreachable(status, 'fence status');
  }
}
