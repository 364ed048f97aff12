import type { Opcode } from './opcodes.js';

/** The JSON body of a call request (sdk-http-protocol.md §2.3), before canonicalization. */
export interface SdkRequestBody {
  /** The triggering event: `events[0]`. */
  event: unknown;
  events: unknown[];
  /** Memoized step results by hashed step id (§2.4). */
  steps: Record<string, unknown>;
  ctx: {
    run_id: string;
    /** 0-based attempt of this request. */
    attempt: number;
    /** Retries + 1: lets the SDK tell its last attempt (StepFailed rather than StepError). */
    max_attempts: number;
    /** True after a parallel plan, so the SDK plans rather than runs a lone new step. */
    disable_immediate_execution: boolean;
    /**
     * True when the body was too large to carry the run's state: `events` and `steps` are then
     * empty, and the SDK fetches them from `GET /v0/runs/{run_id}/batch` and `/actions`.
     */
    use_api: boolean;
    /** Hashed step ids in the order they completed; `current` = `stack.length`. */
    stack: { stack: string[]; current: number };
  };
  /** -1 for a new run (the SDK picks), else the version the SDK reported. */
  version: number;
  /** The legacy copy of `ctx.use_api`. */
  use_api: boolean;
}

/** One POST to an SDK: which function and step, the state to send, and whom it belongs to. */
export interface SdkCall {
  /** The function's registered step URL; its query (`fnId`, …) is kept. */
  url: string;
  /** `'step'` for a discovery request, else the hashed id of a planned step to run. */
  stepId: string;
  body: SdkRequestBody;
  runId: string;
  /** The queue item's stable id (`ctx.jobId` in the SDK). */
  jobId: string;
  /** Sent as `X-Inngest-Req-Version`: -1 at run start, then what the SDK reported. */
  requestVersion: number;
  /** Aborting it makes `execute` reject with an SdkRequestError of reason `'aborted'`. */
  signal?: AbortSignal;
}

/** When a call went out and its answer came back, in clock ms (a fallback-key retry included). */
export interface SdkTiming {
  sentAt: number;
  receivedAt: number;
  durationMs: number;
}

/** An error as the SDK serializes it (`{name, message, stack, __serialized, cause?, …}`). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  [k: string]: unknown;
}

/** Why a call produced no result or opcodes. */
export type SdkFailureReason =
  /** The SDK answered with an error status: the function threw (or the SDK failed). */
  | 'sdk'
  /** Something that is not an Inngest SDK answered (no `X-Inngest-SDK` header). */
  | 'non-sdk'
  /** 401: the app refused the request's signature. */
  | 'unauthorized'
  /** The SDK's answer breaks the protocol (a 206 that is not opcodes, a 200 that is not JSON). */
  | 'invalid-response'
  /** No connection, or it broke before a whole answer came. */
  | 'network'
  /** No whole answer within the request timeout. */
  | 'timeout'
  /** The answer's body passed the size cap. */
  | 'too-large';

/** What became of one call: the function's result, opcodes to act on, or a failure. */
export type SdkResponse =
  /** 200: the function finished and returned `data` (null for an empty body). */
  | { kind: 'result'; data: unknown; requestVersion?: number; timing: SdkTiming }
  /**
   * 206: opcodes. `noRetry` and `retryAt` come from `X-Inngest-No-Retry` and `Retry-After`:
   * they govern the retry of a `StepError` op.
   */
  | {
      kind: 'ops';
      ops: Opcode[];
      noRetry: boolean;
      retryAt?: number;
      requestVersion?: number;
      timing: SdkTiming;
    }
  /** Anything else. `retryAt` (ms since the epoch) from `Retry-After`, when given. */
  | {
      kind: 'error';
      reason: SdkFailureReason;
      status?: number;
      error: SerializedError;
      retriable: boolean;
      retryAt?: number;
      timing: SdkTiming;
    };
