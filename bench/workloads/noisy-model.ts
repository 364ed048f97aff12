import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../src/index.js';
import { sleep, waitUntil } from '../harness/context.js';
import { LatencyHistogram } from '../harness/histogram.js';
import type { NoisyOptions } from './options.js';

/**
 * Tenant A's producer: sends ids 0..dump-1 (from another process, so that its bulk sends do not
 * stall the trickle's clock) and reports each chunk's send time (epoch ms); resolves when done.
 */
export type Dumper = (onSent: (from: number, to: number, epochMs: number) => void) => Promise<void>;

/** Tenant names: A is the noisy one; B, C, … trickle. */
export const tenantName = (k: number): string => String.fromCharCode(66 + k);

/** Seeded trickle arrivals over `horizonMs`: [ms from start, small tenant index], in time order. */
function trickle(o: NoisyOptions, horizonMs: number): { t: number; k: number }[] {
  const random = seededRandom(o.seed);
  const out: { t: number; k: number }[] = [];
  for (let k = 0; k < o.tenants; k++)
    for (let t = 0; ;) {
      t += (-Math.log(1 - random.next()) * 1000) / o.ratePerTenant;
      if (t >= horizonMs) break;
      out.push({ t, k });
    }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The noisy-neighbour run, the same for both systems: ids 0..dump-1 are tenant A's dump, later
 * ids the trickle. Records each item's tenant, send time and start time (ms from t0).
 */
export class NoisyRun {
  readonly horizonMs = 600_000;
  readonly arrivals: { t: number; k: number }[];
  readonly tenant: string[] = [];
  readonly sentAt: Float64Array;
  readonly startAt: Float64Array;
  readonly counts: Uint8Array;
  t0 = 0;
  dumpAt = 0;
  dumpDoneAt = 0;
  sent = 0;
  startedA = 0;
  startedSmall = 0;

  constructor(readonly o: NoisyOptions) {
    this.arrivals = trickle(o, this.horizonMs);
    const n = o.dump + this.arrivals.length;
    this.sentAt = new Float64Array(n).fill(NaN);
    this.startAt = new Float64Array(n).fill(NaN);
    this.counts = new Uint8Array(n);
    for (let i = 0; i < o.dump; i++) this.tenant.push('A');
    for (const a of this.arrivals) this.tenant.push(tenantName(a.k));
  }

  now = (): number => performance.now() - this.t0;

  /** The handler calls this when item i starts. */
  started = (i: number): void => {
    if (this.counts[i]!++ > 0) return;
    this.startAt[i] = this.now();
    if (i < this.o.dump) this.startedA++;
    else this.startedSmall++;
  };

  /**
   * Trickles alone for unloadedMs, then dumps A's items (bulk, `bulk` ids at a time) and keeps
   * trickling until every A item has started and a second more; then waits for the rest.
   */
  async drive(send: (i: number, tenant: string) => Promise<unknown>, dump: Dumper): Promise<void> {
    this.t0 = performance.now();
    let next = 0;
    let aStarted = () => false;
    let stopAt = Infinity;
    const pending: Promise<unknown>[] = [];
    let dumping: Promise<void> | null = null;
    while (this.now() < stopAt && next < this.arrivals.length) {
      const now = this.now();
      for (; next < this.arrivals.length && this.arrivals[next]!.t <= now; next++) {
        const i = this.o.dump + next;
        this.sentAt[i] = this.arrivals[next]!.t;
        pending.push(send(i, this.tenant[i]!));
      }
      if (!dumping && now >= this.o.unloadedMs) {
        dumping = this.dump(dump);
        aStarted = () => this.startedA >= this.o.dump;
      }
      if (stopAt === Infinity && aStarted()) stopAt = (this.dumpDoneAt = now) + 1000;
      await sleep(1);
    }
    this.sent = next;
    await Promise.all([...pending, dumping]);
    await waitUntil(() => this.startedSmall >= next, 60_000);
  }

  private async dump(dump: Dumper): Promise<void> {
    this.dumpAt = this.now();
    const origin = performance.timeOrigin + this.t0;
    await dump((from, to, epochMs) => {
      for (let id = from; id < to; id++) this.sentAt[id] = epochMs - origin;
    });
  }

  /** Waits (start − send) of the small tenants' items sent in [from, to). */
  smallWaits(from: number, to: number): LatencyHistogram {
    const h = new LatencyHistogram();
    for (let i = this.o.dump; i < this.o.dump + this.sent; i++) {
      const s = this.sentAt[i]!;
      if (s >= from && s < to && !Number.isNaN(this.startAt[i]!)) h.recordMs(this.startAt[i]! - s);
    }
    return h;
  }
}

export type { NoisyOptions };
