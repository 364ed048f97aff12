import { SdkResponseError } from './errors.js';
import type { HttpResponse } from './http-transport.js';
import { parseOpcodes } from './opcodes.js';
import { retryAtFromHeader } from './retry-after.js';
import { RESPONSE_HEADERS } from './sdk-headers.js';
import type { SdkFailureReason, SdkResponse, SerializedError } from './sdk-types.js';
import { errorFromBody } from './serialized-error.js';
import { unwrapStreamedResponse } from './stream-envelope.js';

type WithoutTiming<T> = T extends unknown ? Omit<T, 'timing'> : never;
/** An SdkResponse before its timing is filled in. */
export type SdkOutcome = WithoutTiming<SdkResponse>;

/** How much of a body a message about it quotes. */
const QUOTE_CHARS = 500;

function quote(body: string): string {
  const text = body.trim();
  if (text === '') return 'an empty body';
  return text.length > QUOTE_CHARS
    ? `${JSON.stringify(text.slice(0, QUOTE_CHARS))}… (${text.length} chars)`
    : JSON.stringify(text);
}

/** `X-Inngest-Req-Version` as a number, when it is an integer. */
function requestVersionOf(res: HttpResponse): number | undefined {
  const value = res.headers[RESPONSE_HEADERS.requestVersion]?.trim();
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function failure(
  reason: SdkFailureReason,
  res: HttpResponse,
  error: SerializedError,
  retriable: boolean,
  nowMs: number,
): SdkOutcome {
  const retryAt = retryAtFromHeader(res.headers[RESPONSE_HEADERS.retryAfter], nowMs);
  return {
    kind: 'error',
    reason,
    status: res.status,
    error,
    retriable,
    ...(retryAt === undefined ? {} : { retryAt }),
  };
}

function invalid(res: HttpResponse, message: string, nowMs: number): SdkOutcome {
  return failure('invalid-response', res, { name: 'SdkResponseError', message }, true, nowMs);
}

function unauthorized(res: HttpResponse, url: string, nowMs: number): SdkOutcome {
  const message =
    `${url} answered 401 (${quote(res.body)}): the app refused the request signature; ` +
    'check the signing keys on both sides, and the clocks (a signature expires after 5 min)';
  return failure('unauthorized', res, { name: 'SdkResponseError', message }, true, nowMs);
}

function nonSdk(res: HttpResponse, url: string, nowMs: number): SdkOutcome {
  const message =
    `${url} answered ${res.status} without an X-Inngest-SDK header, so not from an Inngest ` +
    `SDK (a proxy, or the wrong URL?): ${quote(res.body)}`;
  return failure('non-sdk', res, { name: 'SdkResponseError', message }, true, nowMs);
}

/** A 200, 206 or error status from the SDK itself. */
function fromSdk(res: HttpResponse, url: string, nowMs: number): SdkOutcome {
  const requestVersion = requestVersionOf(res);
  const version = requestVersion === undefined ? {} : { requestVersion };
  if (res.status === 200) {
    if (res.body.trim() === '') return { kind: 'result', data: null, ...version };
    try {
      return { kind: 'result', data: JSON.parse(res.body) as unknown, ...version };
    } catch {
      return invalid(
        res,
        `${url} answered 200 with a body that is not JSON: ${quote(res.body)}`,
        nowMs,
      );
    }
  }
  const noRetry = res.headers[RESPONSE_HEADERS.noRetry]?.trim().toLowerCase() === 'true';
  if (res.status === 206) {
    try {
      const ops = parseOpcodes(res.body);
      const retryAt = retryAtFromHeader(res.headers[RESPONSE_HEADERS.retryAfter], nowMs);
      return {
        kind: 'ops',
        ops,
        noRetry,
        ...(retryAt === undefined ? {} : { retryAt }),
        ...version,
      };
    } catch (err) {
      if (!(err instanceof SdkResponseError)) throw err;
      return invalid(res, `${url}: ${err.message}`, nowMs);
    }
  }
  if (res.status >= 300) return failure('sdk', res, errorFromBody(res.body), !noRetry, nowMs);
  return invalid(res, `${url} answered ${res.status}, which the protocol does not use`, nowMs);
}

/**
 * What an SDK's HTTP answer to a call means (sdk-http-protocol.md §3). A 401 is `unauthorized`
 * whatever its headers (the SDK strips its own from a 401); a 201 is unwrapped and its inner
 * response read instead; any other answer without `X-Inngest-SDK` is `non-sdk`; then 200 is a
 * result, 206 opcodes, and an error status an `sdk` failure, retriable unless
 * `X-Inngest-No-Retry: true`. Every failure here but a no-retry one is retriable.
 */
export function interpretResponse(outer: HttpResponse, url: string, nowMs: number): SdkOutcome {
  if (outer.status === 401) return unauthorized(outer, url, nowMs);
  let res = outer;
  if (outer.status === 201) {
    try {
      res = unwrapStreamedResponse(outer);
    } catch (err) {
      if (!(err instanceof SdkResponseError)) throw err;
      if (outer.headers[RESPONSE_HEADERS.sdk] === undefined) return nonSdk(outer, url, nowMs);
      return invalid(outer, `${url}: ${err.message}`, nowMs);
    }
    if (res.status === 401) return unauthorized(res, url, nowMs);
  }
  if (res.headers[RESPONSE_HEADERS.sdk] === undefined) return nonSdk(res, url, nowMs);
  return fromSdk(res, url, nowMs);
}
