import type { SdkRequestFailure } from './errors.js';

/** System error codes meaning no connection was made. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The `code` of an error, of its first aggregated error (happy eyeballs), or of its cause. */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, errors, cause } = err as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return errorCode(cause);
}

/** How an error undici or Node raised for a request reads as an SdkRequestError reason. */
export function failureOf(err: unknown): { reason: SdkRequestFailure; what: string } {
  const code = errorCode(err);
  const message = err instanceof Error && err.message ? err.message : String(err);
  const what = code && !message.includes(code) ? `${message} (${code})` : message;
  if (code && CONNECT_CODES.has(code)) return { reason: 'connect', what };
  if (code && TIMEOUT_CODES.has(code)) return { reason: 'timeout', what };
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { reason: 'too-large', what };
  if (code === 'UND_ERR_ABORTED' || (err instanceof Error && err.name === 'AbortError')) {
    return { reason: 'aborted', what };
  }
  return { reason: 'network', what };
}
