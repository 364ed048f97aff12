import type { DriverSettings } from './driver-options.js';
import type { HttpResponse } from './http-transport.js';
import { REQUEST_HEADERS } from './sdk-headers.js';
import { signatureHeader } from './signing.js';

/** A request to an SDK, before signing; `body` is already canonical JSON. */
export interface UnsignedRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Sends `req` through the transport, signed with the primary key (timestamp from the clock)
 * when one is set; on a 401, once more signed with the fallback key when one is set. Resolves
 * with the last response; rejects, as the transport does, only with SdkRequestError.
 */
export async function sendSigned(
  settings: DriverSettings,
  req: UnsignedRequest,
): Promise<HttpResponse> {
  const first = await sendWith(settings, req, settings.signingKey);
  if (first.status !== 401 || settings.signingKeyFallback === undefined) return first;
  return sendWith(settings, req, settings.signingKeyFallback);
}

function sendWith(
  settings: DriverSettings,
  req: UnsignedRequest,
  key: string | undefined,
): Promise<HttpResponse> {
  const headers = { ...req.headers };
  if (key !== undefined) {
    const seconds = Math.floor(settings.clock.now() / 1000);
    headers[REQUEST_HEADERS.signature] = signatureHeader(req.body, key, seconds);
  }
  return settings.transport.send({
    method: req.method,
    url: req.url,
    headers,
    body: req.body,
    timeoutMs: req.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    ...(req.signal ? { signal: req.signal } : {}),
  });
}
