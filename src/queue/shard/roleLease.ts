import { leaseId as newLeaseId } from '../../core/ulid.js';
import { checkIntOption } from '../../core/option-checks.js';
import type { ShardContext } from './context.js';
import { decodeStatus } from '../status.js';

export type RoleLeaseResult = { ok: true; leaseId: string; expiresAt: number } | { ok: false };

/** Claims a singleton role, or renews it when `currentLeaseId` is the caller's live lease. */
export async function leaseRole(
  ctx: ShardContext,
  role: string,
  durationMs: number,
  currentLeaseId: string | null,
): Promise<RoleLeaseResult> {
  checkIntOption('durationMs', durationMs, 1);
  const now = ctx.clock.now();
  const lease = newLeaseId(now + durationMs, ctx.random);
  const code = await ctx.transport.runScript(
    'roleLease',
    [ctx.keys.role(role)],
    [lease, currentLeaseId ?? '', now],
  );
  const status = decodeStatus('roleLease', code, ['OK', 'ALREADY_LEASED']);
  return status === 'OK'
    ? { ok: true, leaseId: lease, expiresAt: now + durationMs }
    : { ok: false };
}

/** Gives a role up, if the caller still holds it. */
export async function releaseRole(
  ctx: ShardContext,
  role: string,
  currentLeaseId: string,
): Promise<void> {
  const code = await ctx.transport.runScript(
    'roleLease',
    [ctx.keys.role(role)],
    ['', currentLeaseId, ctx.clock.now()],
  );
  decodeStatus('roleLease', code, ['OK']);
}

/** The earliest score in the global partition index (ms), or null when the shard is empty. */
export async function nextDueAt(ctx: ShardContext): Promise<number | null> {
  const [, , scores] = (await ctx.transport.runScript(
    'peekByScore',
    [ctx.keys.globalPartitions()],
    ['+inf', 1, -1],
  )) as [number, string[], string[]];
  return scores.length === 0 ? null : Number(scores[0]);
}
