import { leaseId as newLeaseId } from '../../core/ulid.js';
import type { QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { fenceRefusal } from '../status.js';
import { ITEM_IN_PROGRESS_KEYS, itemScriptKeys, type ShardContext } from './context.js';
import { leaseExpiry, type ExtendResult } from './lease-common.js';
import { defineScript } from './script-spec.js';

/** lua/queue/extendLease-8.lua */
export const extendLeaseScript = defineScript({
  script: LUA_SCRIPTS.extendLease,
  keys: ['items', 'leases', 'leased', 'scavenger', ...ITEM_IN_PROGRESS_KEYS],
  args: ['itemId', 'partitionId', 'leaseId', 'newLeaseId', 'now'],
  statuses: ['OK', 'NOT_FOUND', 'LEASE_MISMATCH', 'LEASE_EXPIRED', 'NOT_LEASED'],
});

export async function extendLease(
  ctx: ShardContext,
  item: QueueItem,
  currentLeaseId: string,
  durationMs: number,
): Promise<ExtendResult> {
  const expiresAt = leaseExpiry(ctx, durationMs);
  const lease = newLeaseId(expiresAt, ctx.random);
  const code = await extendLeaseScript.run(ctx.transport, {
    keys: itemScriptKeys(ctx, item),
    args: {
      itemId: item.id,
      partitionId: item.partitionId,
      leaseId: currentLeaseId,
      newLeaseId: lease,
      now: ctx.clock.now(),
    },
  });
  const status = extendLeaseScript.status(code);
  if (status === 'OK') return { ok: true, leaseId: lease, expiresAt };
  return { ok: false, reason: fenceRefusal(status) };
}
