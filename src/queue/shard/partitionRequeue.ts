import { unreachable } from '../../core/assert.js';
import { checkIntOption } from '../../core/option-checks.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { PartitionRef } from '../partition.js';
import {
  PARTITION_INDEX_KEYS,
  partitionScriptKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/partitionRequeue-6.lua */
export const partitionRequeueScript = defineScript({
  script: LUA_SCRIPTS.partitionRequeue,
  keys: [...PARTITION_INDEX_KEYS, 'ready', 'leased'],
  args: ['partitionId', 'leaseId', 'at', 'force', 'now', 'accountId', 'wakeChannel'],
  statuses: ['OK', 'NOT_FOUND', 'LEASE_MISMATCH', 'GARBAGE_COLLECTED'],
});

export type PartitionRequeueResult = 'ok' | 'not-found' | 'lease-mismatch' | 'garbage-collected';

export interface PartitionRequeueOptions {
  at: number;
  /** Keep the pointer at `at` even if earlier work arrives (limits hit); default false. */
  force?: boolean;
  /** Fence by the scanner's partition lease; omitted = unfenced. */
  leaseId?: string;
}

export async function requeuePartition(
  ctx: ShardContext,
  partition: PartitionRef,
  opts: PartitionRequeueOptions,
): Promise<PartitionRequeueResult> {
  checkIntOption('at', opts.at);
  const code = await partitionRequeueScript.run(ctx.transport, {
    keys: partitionScriptKeys(ctx, partition),
    args: {
      partitionId: partition.id,
      leaseId: opts.leaseId ?? '',
      at: opts.at,
      force: opts.force ? 1 : 0,
      now: ctx.clock.now(),
      accountId: scriptAccountId(partition),
      wakeChannel: ctx.keys.wakeChannel(),
    },
  });
  const status = partitionRequeueScript.status(code);
  switch (status) {
    case 'OK':
      return 'ok';
    case 'NOT_FOUND':
      return 'not-found';
    case 'LEASE_MISMATCH':
      return 'lease-mismatch';
    case 'GARBAGE_COLLECTED':
      return 'garbage-collected';
    default:
      return unreachable(status, 'partitionRequeue status');
  }
}
