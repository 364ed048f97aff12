import { SdkResponseError } from './errors.js';
import type { HttpResponse } from './http-transport.js';
import { isJsonObject, jsonKind } from './json-shape.js';

/**
 * The response a streamed (201) answer carries. The SDK sends a space every 3 s to keep the
 * connection open, then `{"status", "headers", "body": "<string>", "version"}`; the inner
 * response is what the SDK would have answered without streaming. Its headers (names
 * lower-cased) are laid over the outer ones; an envelope `version` stands in for a missing
 * `X-Inngest-Req-Version`. Throws SdkResponseError when the body is not such an envelope.
 */
export function unwrapStreamedResponse(outer: HttpResponse): HttpResponse {
  const text = outer.body.trimStart();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SdkResponseError(`201 stream does not end in a JSON envelope: ${why}`);
  }
  if (!isJsonObject(json)) {
    throw new SdkResponseError(`201 stream envelope is ${jsonKind(json)}, not an object`);
  }
  const { status, headers = {}, body = '', version } = json;
  if (typeof status !== 'number' || !Number.isInteger(status) || status === 201) {
    throw new SdkResponseError(`201 stream envelope has status ${JSON.stringify(status)}`);
  }
  if (!isJsonObject(headers)) {
    throw new SdkResponseError(`201 stream envelope has headers ${jsonKind(headers)}`);
  }
  const merged: Record<string, string> = { ...outer.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) merged[name.toLowerCase()] = String(value);
  }
  if (merged['x-inngest-req-version'] === undefined && typeof version === 'number') {
    merged['x-inngest-req-version'] = String(version);
  }
  return {
    status,
    headers: merged,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
