/**
 * Every code a DurqError carries. Codes are stable: callers may switch on them, and a code is
 * never reused for another meaning (a message may change, a code may not).
 */
export const ERROR_CODES = [
  /** A configuration value is missing or out of range (InvalidOptionError). */
  'INVALID_OPTION',
  /** An item given to enqueue is malformed (InvalidItemError). */
  'INVALID_ITEM',
  /** A stored record carries a schema version this code does not know (UnknownVersionError). */
  'UNKNOWN_RECORD_VERSION',
  /** A script answered with a status its caller does not expect (UnknownStatusError). */
  'UNKNOWN_STATUS',
  /** A Lua script could not be read, flattened or loaded (ScriptLoadError). */
  'SCRIPT_LOAD_FAILED',
  /** A script call was refused before it reached Redis: wrong KEYS count (ScriptCallError). */
  'SCRIPT_CALL_REFUSED',
  /** A script raised an error inside Redis (ScriptError names the script). */
  'SCRIPT_FAILED',
  /** An item's lease was lost while its handler ran (LeaseLostError). */
  'LEASE_LOST',
  /** A handler asked for no retry (NonRetriableError). */
  'NON_RETRIABLE',
  /** A handler asked for a retry at a given time (RetryAtError). */
  'RETRY_AT',
  'DEFERRED',
  /** A handler's signal aborted: its processor is closing (ProcessorClosingError). */
  'PROCESSOR_CLOSING',
  /** An internal invariant did not hold: a bug in durq (AssertionError). */
  'ASSERTION_FAILED',
  /** An event given to send() is malformed (InvalidEventError names the field). */
  'INVALID_EVENT',
  /** An app's FunctionConfig is malformed (InvalidFunctionConfigError names the path). */
  'INVALID_FUNCTION_CONFIG',
  /** A CEL expression does not compile (InvalidExpressionError names where it came from). */
  'INVALID_EXPRESSION',
  /** An SDK answered with a body the protocol does not allow (SdkResponseError). */
  'SDK_RESPONSE_INVALID',
  /** An HTTP request to an SDK app failed: network, timeout, size cap (SdkRequestError). */
  'SDK_REQUEST_FAILED',
  /** Syncing an app (reading its FunctionConfigs) failed (AppSyncError). */
  'APP_SYNC_FAILED',
  /** A run did not end within the time waitForRun was given (RunWaitTimeoutError). */
  'RUN_WAIT_TIMEOUT',
  /** The engine was closed; it takes no more calls (EngineClosedError). */
  'ENGINE_CLOSED',
  /** An attempt of a run's step failed and will be retried (AttemptFailedError). */
  'ATTEMPT_FAILED',
  /** An embedded redis-server could not be started or stopped (EmbeddedRedisError). */
  'EMBEDDED_REDIS_FAILED',
  /** Redis could not be reached at start-up (RedisUnreachableError). */
  'REDIS_UNREACHABLE',
  /** A command-line argument or option is wrong (UsageError names it). */
  'USAGE',
  /** A durq server answered a client command with an error (ServerReplyError). */
  'SERVER_REPLY',
] as const;
export type DurqErrorCode = (typeof ERROR_CODES)[number];

/** Base class of every error durq throws on purpose; `code` says which kind it is. */
export class DurqError extends Error {
  override name = 'DurqError';
  readonly code: DurqErrorCode;

  constructor(code: DurqErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A configuration value or an argument is missing or out of range; `option` names it. */
export class InvalidOptionError extends DurqError {
  override name = 'InvalidOptionError';
  readonly option: string;

  constructor(option: string, problem: string) {
    super('INVALID_OPTION', `invalid option: ${option} ${problem}`);
    this.option = option;
  }
}

/** A script answered with a code its caller does not expect: a version mismatch or a bug. */
export class UnknownStatusError extends DurqError {
  override name = 'UnknownStatusError';
  readonly script: string;

  constructor(script: string, code: unknown) {
    super('UNKNOWN_STATUS', `script '${script}' returned unknown status ${JSON.stringify(code)}`);
    this.script = script;
  }
}

/** A stored record (item, partition) has a schema version this code cannot read. */
export class UnknownVersionError extends DurqError {
  override name = 'UnknownVersionError';
  readonly record: string;
  readonly version: unknown;

  constructor(record: string, version: unknown, known: readonly number[]) {
    super(
      'UNKNOWN_RECORD_VERSION',
      `stored ${record} has schema version ${JSON.stringify(version)}; this durq reads ` +
        `${known.join(', ')} (was it written by a newer durq?)`,
    );
    this.record = record;
    this.version = version;
  }
}
