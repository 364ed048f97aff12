import { unreachable } from '../../core/assert.js';
import { checkIntOption } from '../../core/option-checks.js';
import { leaseId as newLeaseId } from '../../core/ulid.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { PartitionRef } from '../partition.js';
import {
  PARTITION_INDEX_KEYS,
  partitionScriptKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/partitionLease-4.lua */
export const partitionLeaseScript = defineScript({
  script: LUA_SCRIPTS.partitionLease,
  keys: PARTITION_INDEX_KEYS,
  args: ['partitionId', 'leaseId', 'now', 'accountId', 'graceMs'],
  statuses: ['OK', 'NOT_FOUND', 'ALREADY_LEASED'],
});

/** The reply: a status and, when granted, the partition's previous lease or pass time (0: new). */
export function decodePartitionLeaseReply(reply: unknown): {
  status: 'OK' | 'NOT_FOUND' | 'ALREADY_LEASED';
  lastLeasedAt: number;
} {
  const [code, previous] = reply as [number, number?];
  return { status: partitionLeaseScript.status(code), lastLeasedAt: previous ?? 0 };
}

export type PartitionLeaseResult =
  | { ok: true; leaseId: string; expiresAt: number; lastLeasedAt: number }
  | { ok: false; reason: 'not-found' | 'already-leased' };

export async function leasePartition(
  ctx: ShardContext,
  partition: PartitionRef,
  durationMs: number,
): Promise<PartitionLeaseResult> {
  checkIntOption('durationMs', durationMs, 1);
  const now = ctx.clock.now();
  const expiresAt = now + durationMs;
  const lease = newLeaseId(expiresAt, ctx.random);
  const reply = await partitionLeaseScript.run(ctx.transport, {
    keys: partitionScriptKeys(ctx, partition),
    args: {
      partitionId: partition.id,
      leaseId: lease,
      now,
      accountId: scriptAccountId(partition),
      graceMs: ctx.graceMs,
    },
  });
  const { status, lastLeasedAt } = decodePartitionLeaseReply(reply);
  switch (status) {
    case 'OK':
      return { ok: true, leaseId: lease, expiresAt, lastLeasedAt };
    case 'NOT_FOUND':
      return { ok: false, reason: 'not-found' };
    case 'ALREADY_LEASED':
      return { ok: false, reason: 'already-leased' };
    default:
      return unreachable(status, 'partitionLease status');
  }
}
