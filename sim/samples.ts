import type { Auditor } from './checks/auditor.js';
import { START_MS } from './start-time.js';

/** One metrics sample: queue depth, live leases (in all and per function), dequeues per account. */
export interface Sample {
  t: number;
  depth: number;
  leases: number;
  leasesByFunction: Record<string, number>;
  dequeuedByAccount: Record<string, number>;
  /** The executor's runs created and not yet ended, and its steps committed so far. */
  runsInFlight?: number;
  stepsCommitted?: number;
}

/** The executor's running totals, when the scenario has runs. */
export interface ExecCounts {
  runsCreated: number;
  runsEnded: number;
  stepsCommitted: number;
}

/** The sample at virtual time `now` of a shard holding `depth` items. */
export function takeSample(
  auditor: Auditor,
  depth: number,
  now: number,
  exec?: ExecCounts,
): Sample {
  const leasesByFunction: Record<string, number> = {};
  for (const h of auditor.liveLeases()) {
    const pid = auditor.items.get(h.item)?.pid ?? '?';
    leasesByFunction[pid] = (leasesByFunction[pid] ?? 0) + 1;
  }
  return {
    t: now - START_MS,
    depth,
    leases: auditor.liveLeases().length,
    leasesByFunction,
    dequeuedByAccount: Object.fromEntries(auditor.dequeuedPerAccount),
    ...(exec && {
      runsInFlight: exec.runsCreated - exec.runsEnded,
      stepsCommitted: exec.stepsCommitted,
    }),
  };
}
