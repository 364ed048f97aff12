import { syncInBand } from './app-sync.js';
import { canonicalJson } from './canonical-json.js';
import { driverSettings } from './driver-options.js';
import type { DriverSettings, HttpDriverOptions } from './driver-options.js';
import { SdkRequestError } from './errors.js';
import { interpretResponse } from './interpret-response.js';
import type { SdkOutcome } from './interpret-response.js';
import { REQUEST_HEADERS } from './sdk-headers.js';
import type { SdkCall, SdkResponse } from './sdk-types.js';
import { sendSigned } from './signed-sender.js';
import { withStepId } from './step-url.js';

export type { HttpDriverOptions } from './driver-options.js';
export type {
  SdkCall,
  SdkFailureReason,
  SdkRequestBody,
  SdkResponse,
  SdkTiming,
  SerializedError,
} from './sdk-types.js';

/** A transport failure as a call outcome: every one is retriable. */
function transportFailure(err: SdkRequestError): SdkOutcome {
  const reason = err.reason === 'timeout' || err.reason === 'too-large' ? err.reason : 'network';
  return {
    kind: 'error',
    reason,
    error: { name: err.name, message: err.message },
    retriable: true,
  };
}

/**
 * Drives Inngest SDK apps over HTTP (sdk-http-protocol.md §2–§4): sends one call request and
 * tells what the answer means, and syncs an app in band. Holds no state between calls.
 */
export class HttpDriver {
  private readonly settings: DriverSettings;

  /** Throws InvalidOptionError naming a bad option. */
  constructor(options: HttpDriverOptions) {
    this.settings = driverSettings(options);
  }

  /**
   * POSTs `call` to its function's URL (with `stepId` set) and reads the answer. Every HTTP
   * outcome, network failures included, resolves as an SdkResponse; `execute` rejects only when
   * `call.signal` aborts (SdkRequestError, reason `'aborted'`) or the call itself is malformed
   * (InvalidOptionError for its URL). The body goes out as canonical JSON, signed when a key is
   * set; a 401 is retried once with the fallback key.
   */
  async execute(call: SdkCall): Promise<SdkResponse> {
    const { clock, serverKind, requestTimeoutMs } = this.settings;
    const url = withStepId(call.url, call.stepId);
    const body = canonicalJson(call.body);
    const headers = {
      [REQUEST_HEADERS.contentType]: 'application/json',
      [REQUEST_HEADERS.runId]: call.runId,
      [REQUEST_HEADERS.stepId]: call.stepId,
      [REQUEST_HEADERS.jobId]: call.jobId,
      [REQUEST_HEADERS.requestVersion]: String(call.requestVersion),
      [REQUEST_HEADERS.serverKind]: serverKind,
    };
    const sentAt = clock.now();
    let outcome: SdkOutcome;
    try {
      const res = await sendSigned(this.settings, {
        method: 'POST',
        url,
        headers,
        body,
        timeoutMs: requestTimeoutMs,
        ...(call.signal ? { signal: call.signal } : {}),
      });
      outcome = interpretResponse(res, url, clock.now());
    } catch (err) {
      if (!(err instanceof SdkRequestError) || err.reason === 'aborted') throw err;
      outcome = transportFailure(err);
    }
    const receivedAt = clock.now();
    return { ...outcome, timing: { sentAt, receivedAt, durationMs: receivedAt - sentAt } };
  }

  /**
   * Syncs the app served at `appUrl` in band and returns its answer (FunctionConfigs in
   * `functions`, validated elsewhere). Throws AppSyncError naming the URL, the status and the
   * app's message when the app cannot be reached or does not answer with its functions.
   */
  syncInBand(appUrl: string): Promise<unknown> {
    return syncInBand(this.settings, appUrl);
  }

  /** Closes the transport. */
  close(): Promise<void> {
    return this.settings.transport.close();
  }
}
