import { DurqError } from '../core/errors.js';

/** Why an HTTP request to an SDK app produced no response. */
export type SdkRequestFailure = 'connect' | 'timeout' | 'too-large' | 'network' | 'aborted';

/**
 * An HTTP request to an SDK app failed before a whole response arrived: the connection could
 * not be made, the response took too long or grew past its size cap, the connection broke, or
 * the caller's signal aborted it. `reason` says which; the message names the URL.
 * An `HttpTransport` rejects with this error and no other.
 */
export class SdkRequestError extends DurqError {
  override name = 'SdkRequestError';
  readonly reason: SdkRequestFailure;
  readonly url: string;

  constructor(reason: SdkRequestFailure, url: string, what: string, options?: ErrorOptions) {
    super('SDK_REQUEST_FAILED', `request to ${url} failed (${reason}): ${what}`, options);
    this.reason = reason;
    this.url = url;
  }
}

/** An SDK app answered with a body the protocol does not allow; the message says what. */
export class SdkResponseError extends DurqError {
  override name = 'SdkResponseError';

  constructor(message: string) {
    super('SDK_RESPONSE_INVALID', message);
  }
}

/** Syncing an app (asking it for its FunctionConfigs) failed; the message names the URL. */
export class AppSyncError extends DurqError {
  override name = 'AppSyncError';
  readonly url: string;

  constructor(url: string, what: string, options?: ErrorOptions) {
    super('APP_SYNC_FAILED', `sync of app ${url} failed: ${what}`, options);
    this.url = url;
  }
}
