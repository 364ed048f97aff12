import { unreachable } from '../../core/assert.js';
import { checkIntOption } from '../../core/option-checks.js';
import { leaseId as newLeaseId } from '../../core/ulid.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { ShardContext } from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/roleLease-1.lua */
export const roleLeaseScript = defineScript({
  script: LUA_SCRIPTS.roleLease,
  keys: ['role'],
  args: ['newLeaseId', 'leaseId', 'now', 'graceMs'],
  statuses: ['OK', 'ALREADY_LEASED'],
});

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
  const code = await roleLeaseScript.run(ctx.transport, {
    keys: { role: ctx.keys.role(role) },
    args: { newLeaseId: lease, leaseId: currentLeaseId ?? '', now, graceMs: ctx.graceMs },
  });
  const status = roleLeaseScript.status(code);
  switch (status) {
    case 'OK':
      return { ok: true, leaseId: lease, expiresAt: now + durationMs };
    case 'ALREADY_LEASED':
      return { ok: false };
    default:
      return unreachable(status, 'roleLease status');
  }
}

/** Gives a role up, if the caller still holds it. */
export async function releaseRole(
  ctx: ShardContext,
  role: string,
  currentLeaseId: string,
): Promise<void> {
  const code = await roleLeaseScript.run(ctx.transport, {
    keys: { role: ctx.keys.role(role) },
    args: { newLeaseId: '', leaseId: currentLeaseId, now: ctx.clock.now(), graceMs: ctx.graceMs },
  });
  roleLeaseScript.status(code);
}
