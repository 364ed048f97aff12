import type { Workload } from '../workload.js';
import type { Checker, CheckContext } from './checker.js';

interface Admissions {
  limit: number;
  burst: number;
  periodMs: number;
  times: number[];
}

/**
 * Contract point 4, skew allowed: admissions per throttle key in any window T are at most
 * L + B + floor((T + skew)·L/P). The bound comes from the workload's configuration, not from
 * what the product sends. Admissions are collected at grants; the windows are checked at the end.
 */
export class ThrottleChecker implements Checker {
  readonly admissions = new Map<string, Admissions>();
  private readonly configOf = new Map<string, { limit: number; burst: number; periodMs: number }>();

  constructor(workload: Workload) {
    for (const fn of workload.functions) {
      if (fn.throttle) this.configOf.set(`${fn.accountId}:${fn.functionId}`, fn.throttle);
    }
  }

  after(_process: string, e: Parameters<NonNullable<Checker['after']>>[1], ctx: CheckContext) {
    if (e.type !== 'granted') return;
    const key = ctx.items.get(e.itemId)?.throttleKey;
    if (!key) return;
    const config = this.configOf.get(key);
    if (!config)
      return ctx.fail('throttle', `${key}: an admission under a throttle the workload never set`);
    const entry = this.admissions.get(key) ?? { ...config, times: [] };
    entry.times.push(ctx.now());
    this.admissions.set(key, entry);
  }

  /** Every window of every key against the bound; reports the first breach per key. */
  checkWindows(ctx: Pick<CheckContext, 'fail' | 'maxSkewMs'>): void {
    for (const [key, e] of this.admissions) {
      const t = e.times;
      for (let i = 0; i < t.length; i++) {
        for (let j = i; j < t.length; j++) {
          const window = t[j]! - t[i]!;
          const bound =
            e.limit + e.burst + Math.floor(((window + ctx.maxSkewMs) * e.limit) / e.periodMs);
          if (j - i + 1 > bound) {
            ctx.fail(
              'throttle',
              `${key}: ${j - i + 1} admissions within ${window} ms, bound ${bound}`,
            );
            return;
          }
        }
      }
    }
  }
}
