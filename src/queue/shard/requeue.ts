import { checkIntOption } from '../../core/option-checks.js';
import type { QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import {
  ITEM_IN_PROGRESS_KEYS,
  ITEM_STATE_KEYS,
  itemPartition,
  itemScriptKeys,
  PARTITION_INDEX_KEYS,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { toFenceResult } from './dequeue.js';
import type { FenceResult } from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/requeue-13.lua */
export const requeueScript = defineScript({
  script: LUA_SCRIPTS.requeue,
  keys: [...ITEM_STATE_KEYS, ...PARTITION_INDEX_KEYS, ...ITEM_IN_PROGRESS_KEYS],
  args: [
    'itemId',
    'partitionId',
    'leaseId',
    'now',
    'at',
    'attemptIncrement',
    'accountId',
    'wakeChannel',
    'graceMs',
  ],
  statuses: ['OK', 'NOT_FOUND', 'LEASE_MISMATCH', 'LEASE_EXPIRED', 'NOT_LEASED'],
});

export interface RequeueOptions {
  /** When the item becomes ready again, ms; clamped to now. */
  at: number;
  /** Count a failed attempt (retries) or not (deferrals, capacity refusals). */
  consumeAttempt: boolean;
}

export async function requeueItem(
  ctx: ShardContext,
  item: QueueItem,
  leaseId: string,
  opts: RequeueOptions,
): Promise<FenceResult> {
  checkIntOption('at', opts.at);
  const now = ctx.clock.now();
  const code = await requeueScript.run(ctx.transport, {
    keys: itemScriptKeys(ctx, item),
    args: {
      itemId: item.id,
      partitionId: item.partitionId,
      leaseId,
      now,
      at: Math.max(opts.at, now),
      attemptIncrement: opts.consumeAttempt ? 1 : 0,
      accountId: scriptAccountId(itemPartition(item)),
      wakeChannel: ctx.keys.wakeChannel(),
      graceMs: ctx.graceMs,
    },
  });
  return toFenceResult(requeueScript.status(code));
}
