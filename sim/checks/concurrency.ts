import type { Workload } from '../workload.js';
import type { Checker, CheckContext } from './checker.js';

/**
 * Live leases per function, account and custom key never exceed the limits the workload set. A
 * lease counts while its expiry (in its holder's clock, which runs at or ahead of virtual time)
 * is later than now: a superset of the truly live ones. Checked at every grant.
 */
export function concurrencyChecker(workload: Workload): Checker {
  const limitOf = new Map<string, number>();
  for (const fn of workload.functions)
    limitOf.set(`fn:fn:${fn.accountId}:${fn.functionId}`, fn.concurrency);
  for (const [a, l] of workload.accountConcurrency) limitOf.set(`account:${a}`, l);
  return {
    after(_process, e, ctx) {
      if (e.type === 'granted') check(e.itemId, ctx, limitOf);
    },
  };
}

function check(id: string, ctx: CheckContext, limitOf: ReadonlyMap<string, number>): void {
  const item = ctx.items.get(id);
  if (!item) return;
  const t = ctx.now();
  const limits = new Map<string, number | undefined>([
    [`fn:${item.pid}`, limitOf.get(`fn:${item.pid}`)],
    [`account:${item.accountId}`, limitOf.get(`account:${item.accountId}`)],
    ...item.customKeys.map((c) => [`ck:${c.key}`, c.limit] as [string, number]),
  ]);
  const counts = new Map<string, number>();
  for (const [hid, h] of ctx.leases.holders) {
    const other = h.expiresAt > t ? ctx.items.get(hid) : undefined;
    if (!other) continue;
    const theirs = [
      `fn:${other.pid}`,
      `account:${other.accountId}`,
      ...other.customKeys.map((c) => `ck:${c.key}`),
    ];
    for (const k of theirs) if (limits.has(k)) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of counts) {
    const limit = limits.get(k);
    if (limit !== undefined && n > limit)
      ctx.fail('concurrency', `${n} live leases on ${k}, limit ${limit}`);
  }
}
