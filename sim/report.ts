import type { SimResult } from './run.js';

/** Placeholder until charts land in the next commit. */
export function writeReport(r: SimResult): string {
  return `<pre>${JSON.stringify({ seed: r.seed, traceHash: r.traceHash }, null, 2)}</pre>`;
}
