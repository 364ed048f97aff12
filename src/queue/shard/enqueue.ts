import { unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { encodePartition } from '../partition.js';
import {
  itemPartition,
  itemScriptKeys,
  PARTITION_INDEX_KEYS,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/enqueue-7.lua */
export const enqueueScript = defineScript({
  script: LUA_SCRIPTS.enqueue,
  keys: ['items', 'tombstone', 'ready', ...PARTITION_INDEX_KEYS],
  args: [
    'itemId',
    'itemJson',
    'score',
    'now',
    'partitionId',
    'partitionJson',
    'accountId',
    'wakeChannel',
    'constrained',
    'graceMs',
  ],
  statuses: ['OK', 'ITEM_EXISTS', 'ITEM_TOMBSTONED'],
});

export type EnqueueResult =
  { status: 'enqueued'; item: QueueItem } | { status: 'exists' | 'tombstoned'; item: QueueItem };

export async function enqueueItem(ctx: ShardContext, item: QueueItem): Promise<EnqueueResult> {
  const partition = itemPartition(item);
  // As partitionPass checks it: any stored custom key or throttle sends the partition to the
  // general path (a throttle binds only `start` items, so an edge with one merely costs a bit).
  const constrained = item.customKeys.length > 0 || item.throttle !== undefined;
  const code = await enqueueScript.run(ctx.transport, {
    keys: itemScriptKeys(ctx, item),
    args: {
      itemId: item.id,
      itemJson: encodeItem(item),
      score: item.score,
      now: ctx.clock.now(),
      partitionId: item.partitionId,
      partitionJson: encodePartition(partition, constrained),
      accountId: scriptAccountId(partition),
      wakeChannel: ctx.keys.wakeChannel(),
      constrained: constrained ? 1 : 0,
      graceMs: ctx.graceMs,
    },
  });
  const status = enqueueScript.status(code);
  switch (status) {
    case 'OK':
      return { status: 'enqueued', item };
    case 'ITEM_EXISTS':
      return { status: 'exists', item };
    case 'ITEM_TOMBSTONED':
      return { status: 'tombstoned', item };
    default:
      return unreachable(status, 'enqueue status');
  }
}
