import type { Redis } from 'ioredis';
import { RunKeys } from '../../src/internal.js';
import { GATE_FN, RATE_LIMITS, SINGLETONS, type GateStory } from './gates.js';
import type { GatesAuditor } from './gates-auditor.js';

type Fail = (invariant: string, message: string) => void;

/** The reason a gate function's skipped run must carry. */
const SKIP_REASON: Readonly<Record<string, string>> = {
  [GATE_FN.rateLimited]: 'rate-limit',
  [GATE_FN.idempotent]: 'idempotency',
  [GATE_FN.singleSkip]: 'singleton',
  [GATE_FN.singleCancel]: 'singleton',
};
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * rate-limit-bound: per rate-limit key, admissions (rateLimit answers that took capacity: the
 * first OK of a run's idempotency key before any record of it) in every window T within
 * limit + floor(limit / 10) + floor((T + skew) · limit / period), the GCRA bound of the config.
 * rate-limit-refusal: a refusal only when the GCRA is full: some run of the latest admissions
 * (k of them, the first T before) with k > limit + burst - 1 + max(0, T - skew) · limit / period.
 * rate-limit-key: one product limit key per `fn#tenant` and one `fn#tenant` per limit key.
 */
export function checkRateLimits(gates: GatesAuditor, skewMs: number, fail: Fail): void {
  const byKey = new Map<string, { at: number; admitted: boolean }[]>();
  const nameOf = new Map<string, string>();
  const limitOf = new Map<string, string>();
  for (const c of gates.rateCalls) {
    const rec = gates.events.get(gates.eventOfIdem.get(c.idem) ?? '');
    if (!rec) return fail('rate-limit-skip', `a rateLimit call for ${c.idem} led to no record`);
    const bound = nameOf.get(c.limitKey) ?? rec.key;
    if (bound !== rec.key || (limitOf.get(rec.key) ?? c.limitKey) !== c.limitKey)
      return fail('rate-limit-key', `${c.limitKey} is limited for ${bound} and ${rec.key}`);
    nameOf.set(c.limitKey, rec.key);
    limitOf.set(rec.key, c.limitKey);
    if (c.kind === 'admitted' && rec.created.size === 0)
      return fail(
        'rate-limit-skip',
        `${rec.key}: admitted event ${gates.eventOfIdem.get(c.idem)} has no run`,
      );
    if (c.kind === 'free') continue;
    const list = byKey.get(rec.key) ?? [];
    list.push({ at: c.at, admitted: c.kind === 'admitted' });
    byKey.set(rec.key, list);
  }
  for (const [key, calls] of byKey) {
    const { limit, periodMs } = RATE_LIMITS[key.slice(0, key.indexOf('#'))]!;
    const burst = Math.floor(limit / 10);
    const admissions: number[] = [];
    for (const c of calls) {
      const rate = (ms: number) => (ms * limit) / periodMs;
      if (c.admitted) {
        admissions.push(c.at);
        for (let j = 0; j < admissions.length; j++) {
          const k = admissions.length - j;
          const bound = limit + burst + Math.floor(rate(c.at - admissions[j]! + skewMs));
          if (k > bound)
            return fail(
              'rate-limit-bound',
              `${key}: ${k} admissions within ${c.at - admissions[j]!} ms, bound ${bound}`,
            );
        }
        continue;
      }
      const full = admissions.some(
        (a, j) => admissions.length - j > limit + burst - 1 + rate(Math.max(0, c.at - a - skewMs)),
      );
      if (!full)
        return fail(
          'rate-limit-refusal',
          `${key}: refused at ${c.at} after admissions at [${admissions.slice(-4).join(', ')}]`,
        );
    }
  }
}

/**
 * At the end, per gate event: exactly one record, a created run or a skipped one (gate-one-record:
 * none lost, none doubled, a delivery twice included); a skipped record reads status 'skipped'
 * with its function's reason (skip-recorded); an admitted run was created (rate-limit-skip);
 * idempotency-once: at most one created run per idempotency key; created runs ended (liveness);
 * a run that naps past its finish deadline ended Cancelled with reason finish-timeout
 * (timeout-prediction); holders a cancel-mode newcomer met open ended Cancelled (singleton-cancel).
 */
export async function checkGates(
  gates: GatesAuditor,
  stories: readonly GateStory[],
  raw: Redis,
  shard: string,
  fail: Fail,
): Promise<void> {
  const ids = [...gates.events.values()].flatMap((r) => [...r.created, ...r.skipped.keys()]);
  const keys = new RunKeys(shard);
  const pipe = raw.pipeline();
  for (const id of ids) pipe.hgetall(keys.meta(id));
  const metas = new Map(
    ((await pipe.exec()) ?? []).map((r, i) => [ids[i]!, r[1] as Record<string, string>]),
  );
  const createdPerKey = new Map<string, number>();
  for (const s of stories) {
    const name = `gate event ${s.event.id} (${s.group}, ${s.event.data.tenant})`;
    const rec = gates.events.get(s.event.id);
    const n = rec ? rec.created.size + rec.skipped.size : 0;
    if (!rec || n !== 1) return fail('gate-one-record', `${name} has ${n} run records`);
    for (const [id, reason] of rec.skipped) {
      const m = metas.get(id) ?? {};
      const want = SKIP_REASON[rec.fn];
      if (m.status !== 'skipped' || m.skip !== reason || reason !== want)
        return fail(
          'skip-recorded',
          `${name}: run ${id} reads ${m.status}/${m.skip} (script reason ${reason}, want ${want})`,
        );
    }
    for (const id of rec.created) {
      createdPerKey.set(rec.key, (createdPerKey.get(rec.key) ?? 0) + 1);
      const m = metas.get(id) ?? {};
      if (!TERMINAL.has(m.status ?? ''))
        return fail('liveness', `${name}: run ${id} is still ${m.status}`);
      if (
        s.event.data.nap === '5s' &&
        (m.status !== 'cancelled' || m.cancel_reason !== 'finish-timeout')
      )
        return fail(
          'timeout-prediction',
          `${name}: run ${id} ended ${m.status}/${m.cancel_reason}`,
        );
      if (gates.holdersToCancel().has(id) && m.status !== 'cancelled')
        return fail('singleton-cancel', `${name}: holder ${id} ended ${m.status}`);
      if (SINGLETONS[rec.fn] === undefined && m.status === 'cancelled' && !m.cancel_reason)
        return fail('timeout-reason', `${name}: run ${id} cancelled with no reason recorded`);
    }
  }
  for (const [key, n] of createdPerKey)
    if (key.startsWith(`${GATE_FN.idempotent}#`) && n > 1)
      return fail('idempotency-once', `${key}: ${n} runs created within 24 h`);
}
