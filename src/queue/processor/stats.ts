/** Counters a processor keeps (all since it started). */
export interface ProcessorStats {
  /** Handlers started. */
  started: number;
  /** Items completed and dequeued. */
  succeeded: number;
  /** Failed attempts requeued for a retry. */
  retried: number;
  /** Items ended by a permanent failure. */
  failed: number;
  /** Items whose lease was lost before they were settled (now held elsewhere). */
  leaseLost: number;
  /** Lease refusals by constraint (these never consume an attempt). */
  refusals: Record<string, number>;
  /** Scans and partition passes. */
  scans: number;
  partitionPasses: number;
  /** Items a handler leased to its own slot while settling (HandlerContext.chain). */
  chained: number;
}

export function newStats(): ProcessorStats {
  return {
    started: 0,
    succeeded: 0,
    retried: 0,
    failed: 0,
    leaseLost: 0,
    refusals: {},
    scans: 0,
    partitionPasses: 0,
    chained: 0,
  };
}
