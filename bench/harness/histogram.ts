import * as hdr from 'hdr-histogram-js';
import { round2 } from './result.js';

/** A latency histogram in µs (HDR: 3 significant digits, up to an hour). */
export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  recordMs(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** The value at a percentile (0–100), ms. */
  atMs(percentile: number): number {
    return round2(this.h.getValueAtPercentile(percentile) / 1000);
  }

  /** p50 / p99 / p99.9 in ms, as the result fields. */
  summary(): { p50Ms: number; p99Ms: number; p999Ms: number } {
    return { p50Ms: this.atMs(50), p99Ms: this.atMs(99), p999Ms: this.atMs(99.9) };
  }

  /** Points of the CDF for a chart: [ms, fraction ≤ ms]. */
  cdf(points = 60): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i <= points; i++) {
      // Denser towards the tail: 0, 50, 75, …, 99.9.
      const p = 100 * (1 - Math.pow(10, -3 * (i / points)));
      out.push([this.atMs(p), round2(p / 100)]);
    }
    return out;
  }
}
