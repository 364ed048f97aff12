/** How a Schedule call differs from an event's plain trigger (reference §4.1). */
export interface ScheduleOptions {
  /** The run's idempotency key instead of `<fn>-<first event id>` (batches, debounces, cron). */
  idempotencyKey?: string;
  /** A debounce timer or a batch starting its run: the rate limit does not apply (§4.1 step 2). */
  preventRateLimit?: boolean;
  /** A debounce timer firing: schedule now, do not debounce again. */
  preventDebounce?: boolean;
  /** The batch the run's events came in (REST `batch_id`). */
  batchId?: string;
  /** The cron schedule a tick's run was started by (REST `cron`). */
  cron?: string;
}
