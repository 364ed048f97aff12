/**
 * Fault rates are integers per mille (‰). "Per call" = per Redis call; "per tick" = per process
 * per virtual second.
 */
export interface FaultRates {
  /** ‰ per call: the call fails before it reaches Redis. */
  redisFailBefore: number;
  /** ‰ per call: the call executes but its reply is lost (the caller sees an error). */
  redisReplyLost: number;
  /** ‰ per tick: the process is cut off from Redis for 0.5–3 s (its calls fail). */
  partition: number;
  /** ‰ per tick: the process crashes without cleanup and restarts 0.2–2 s later. */
  crash: number;
  /** ‰ per tick: the process pauses for longer than its lease (1–2 leases). */
  pause: number;
  /** ‰ per handler attempt: a retriable error. */
  handlerError: number;
  /** ‰ per handler attempt: a non-retriable error. */
  handlerNonRetriable: number;
  /** ‰ per handler attempt: an error carrying an explicit retry-at. */
  handlerRetryAt: number;
  /** ‰ per handler attempt: the handler runs 1.5–3 leases and ignores its abort signal. */
  slowHandler: number;
  /** ‰: each process (re)starts with a clock offset of up to maxSkewMs (1000 = always). */
  clockSkew: number;
  // The executor's faults. "Per request" = per SDK request on a step's first four attempts.
  /** ‰ per request: a 502 from a proxy (no SDK header). */
  sdkServerError: number;
  /** ‰ per request: the SDK runs the step but answers after the driver's timeout. */
  sdkTimeout: number;
  /** ‰ per request: the connection is refused. */
  sdkRefused: number;
  /** ‰ per request: the SDK's answer arrives cut short (malformed JSON). */
  sdkMalformed: number;
  /** ‰ per request: a 2xx without the X-Inngest-SDK header. */
  sdkNoHeader: number;
  /** ‰ per request: a 400 with X-Inngest-No-Retry (the run must fail). */
  sdkNoRetry: number;
  /** ‰ per request: a 500 with Retry-After 1–3 s. */
  sdkRetryAfter: number;
  /** ‰ per request: the SDK runs the step, then the connection drops before the answer. */
  sdkResponseLost: number;
  /** ‰ per run: its trigger event is delivered twice (same event ID). */
  eventTwice: number;
  /** ‰ per request: the run is cancelled (the API's cancel) while the step runs. */
  cancelDuringStep: number;
  /** ‰ per executor Redis call: the process crashes just before it. */
  execCrash: number;
}

export interface SimOptions {
  /** The seed (a number or any string, e.g. a git sha). */
  seed: string;
  /** Simulated processes, each running its own processor (default 8). */
  processes: number;
  /** Items the workload enqueues (default 1500). */
  items: number;
  /** Virtual ms of the safety phase, with faults (default 120 000). */
  durationMs: number;
  /** Virtual ms after faults stop within which all work must drain (default 60 000). */
  livenessMs: number;
  /** Worker slots per process (default 8). */
  concurrency: number;
  /** Item lease, virtual ms (default 4000). */
  leaseMs: number;
  /** Bound on clock skew between processes, ms; the queue's graceMs (default 200). */
  maxSkewMs: number;
  /** Virtual ms between full-state invariant checks (default 1000). */
  checkEveryMs: number;
  /** Runs the executor workload triggers (default 120; 0 runs the queue workload alone). */
  runs: number;
  faults: FaultRates;
}

export const ALL_FAULTS: FaultRates = {
  redisFailBefore: 5,
  redisReplyLost: 5,
  partition: 10,
  crash: 5,
  pause: 5,
  handlerError: 100,
  handlerNonRetriable: 20,
  handlerRetryAt: 30,
  slowHandler: 20,
  clockSkew: 1000,
  sdkServerError: 20,
  sdkTimeout: 10,
  sdkRefused: 10,
  sdkMalformed: 10,
  sdkNoHeader: 10,
  sdkNoRetry: 3,
  sdkRetryAfter: 10,
  sdkResponseLost: 15,
  eventTwice: 100,
  cancelDuringStep: 10,
  execCrash: 1,
};

export const NO_FAULTS: FaultRates = {
  redisFailBefore: 0,
  redisReplyLost: 0,
  partition: 0,
  crash: 0,
  pause: 0,
  handlerError: 0,
  handlerNonRetriable: 0,
  handlerRetryAt: 0,
  slowHandler: 0,
  clockSkew: 0,
  sdkServerError: 0,
  sdkTimeout: 0,
  sdkRefused: 0,
  sdkMalformed: 0,
  sdkNoHeader: 0,
  sdkNoRetry: 0,
  sdkRetryAfter: 0,
  sdkResponseLost: 0,
  eventTwice: 0,
  cancelDuringStep: 0,
  execCrash: 0,
};

export const DEFAULT_OPTIONS: Omit<SimOptions, 'seed'> = {
  processes: 8,
  items: 1500,
  durationMs: 120_000,
  livenessMs: 60_000,
  concurrency: 8,
  leaseMs: 4000,
  maxSkewMs: 200,
  checkEveryMs: 1000,
  runs: 120,
  faults: ALL_FAULTS,
};

/** Names of the fault switches as the CLI spells them (--fault-redis-fail-before 5). */
export const FAULT_FLAGS: Record<keyof FaultRates, string> = {
  redisFailBefore: 'fault-redis-fail-before',
  redisReplyLost: 'fault-redis-reply-lost',
  partition: 'fault-partition',
  crash: 'fault-crash',
  pause: 'fault-pause',
  handlerError: 'fault-handler-error',
  handlerNonRetriable: 'fault-handler-non-retriable',
  handlerRetryAt: 'fault-handler-retry-at',
  slowHandler: 'fault-slow-handler',
  clockSkew: 'fault-clock-skew',
  sdkServerError: 'fault-sdk-5xx',
  sdkTimeout: 'fault-sdk-timeout',
  sdkRefused: 'fault-sdk-refused',
  sdkMalformed: 'fault-sdk-malformed',
  sdkNoHeader: 'fault-sdk-no-header',
  sdkNoRetry: 'fault-sdk-no-retry',
  sdkRetryAfter: 'fault-sdk-retry-after',
  sdkResponseLost: 'fault-sdk-response-lost',
  eventTwice: 'fault-event-twice',
  cancelDuringStep: 'fault-cancel-during-step',
  execCrash: 'fault-exec-crash',
};

/** The faults the SDK network draws, in the order it draws them. */
export const SDK_FAULTS = [
  'sdkServerError',
  'sdkTimeout',
  'sdkRefused',
  'sdkMalformed',
  'sdkNoHeader',
  'sdkNoRetry',
  'sdkRetryAfter',
  'sdkResponseLost',
] as const satisfies readonly (keyof FaultRates)[];
export type SdkFault = (typeof SDK_FAULTS)[number];
/** Every fault of the executor's side: the SDK network's, and the events and cancels around it. */
export const EXECUTOR_FAULTS = [
  ...SDK_FAULTS,
  'eventTwice',
  'cancelDuringStep',
  'execCrash',
] as const satisfies readonly (keyof FaultRates)[];
/** The executor's fault rates (what the SDK network draws from). */
export type SdkFaultRates = Pick<FaultRates, SdkFault>;

/** Processor tuning every simulated processor shares (the queue workload's and each engine's). */
export const SIM_PROCESSOR_TUNING = {
  retryJitterMs: 1000,
  defaultRequeueMs: 5000,
  requeueJitterMs: 1000,
  concurrencyRequeueMs: 500,
  scavenger: { intervalMs: 500 },
  roleLeaseMs: 1500,
} as const;

export function validateOptions(o: SimOptions): void {
  const ints: [string, number, number, number][] = [
    ['processes', o.processes, 1, 64],
    ['items', o.items, 0, 1_000_000],
    ['duration', o.durationMs, 1000, 3_600_000],
    ['liveness', o.livenessMs, 1000, 3_600_000],
    ['concurrency', o.concurrency, 1, 1000],
    ['lease', o.leaseMs, 100, 600_000],
    ['max-skew', o.maxSkewMs, 0, 60_000],
    ['check-every', o.checkEveryMs, 10, 600_000],
    ['runs', o.runs, 0, 100_000],
  ];
  for (const [name, v, min, max] of ints) {
    if (!Number.isSafeInteger(v) || v < min || v > max)
      throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  for (const [k, flag] of Object.entries(FAULT_FLAGS)) {
    const v = o.faults[k as keyof FaultRates];
    if (!Number.isSafeInteger(v) || v < 0 || v > 1000)
      throw new Error(`--${flag} must be an integer ‰ in [0, 1000], got ${v}`);
  }
}
