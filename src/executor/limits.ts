/** Run limits, as Inngest's (reference §2.7). */
export const RUN_LIMITS = {
  /** Steps a run may save before it fails with InngestErrFunctionOverflowed. */
  maxSteps: 1000,
  /** Bytes of one step's output (its memo JSON). */
  maxStepOutputBytes: 4 * 1024 * 1024,
  /** Bytes of a run's state (events and memo). */
  maxStateBytes: 32 * 1024 * 1024,
  /** Opcodes in one SDK response. */
  maxOpsPerResponse: 1000,
  /** Longest step.sleep or waitForEvent timeout. */
  maxSleepMs: 366 * 24 * 3600 * 1000,
  /** Default step.invoke timeout (none given). */
  defaultInvokeTimeoutMs: 365 * 24 * 3600 * 1000,
  /** How long a cancelOn listener lasts without a timeout. */
  defaultCancelTimeoutMs: 365 * 24 * 3600 * 1000,
  /** Same event ID within this window: one run per function (§3.1). */
  idempotencyTtlMs: 24 * 3600 * 1000,
} as const;

/** The serialized errors a run fails with when it passes a limit, named as Inngest names them. */
export const LimitErrors = {
  functionOverflowed: (limit: number) => ({
    name: 'InngestErrFunctionOverflowed',
    message: `The function run exceeded the step limit of ${limit} steps.`,
    error: 'function has too many steps',
  }),
  stateOverflowed: (limit: number) => ({
    name: 'InngestErrStateOverflowed',
    message: `The function run exceeded the state size limit of ${limit} bytes.`,
    error: 'state is too large',
  }),
  stepOutputTooLarge: (size: number, limit: number) => ({
    name: 'InngestErrStepOutputTooLarge',
    message: `A step's output of ${size} bytes exceeded the step output limit of ${limit} bytes.`,
    error: 'step output is too large',
  }),
  timeoutTooLong: (what: string) => ({
    name: 'InngestErrTimeoutTooLong',
    message: `The ${what} is longer than the limit of 366 days.`,
    error: 'timeout too long',
  }),
  invokeTimeout: () => ({
    error: 'InngestInvokeTimeoutError: Timed out waiting for invoked function to complete',
    name: 'InngestInvokeTimeoutError',
    message: 'Timed out waiting for invoked function to complete',
  }),
  functionNotFound: (id: string) => ({
    name: 'Error',
    message: `could not find function with ID: ${id}`,
  }),
  /** An invoked function's run was skipped by its rate limit or idempotency (reference §9.3). */
  invokeRateLimited: () => ({ name: 'Error', message: 'invoked function is rate limited' }),
  functionRemoved: (id: string) => ({
    name: 'Error',
    message: `function ${id} is no longer registered`,
  }),
};
