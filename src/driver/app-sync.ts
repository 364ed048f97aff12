import { canonicalJson } from './canonical-json.js';
import type { DriverSettings } from './driver-options.js';
import { AppSyncError, SdkRequestError } from './errors.js';
import type { HttpResponse } from './http-transport.js';
import { isHttpUrl } from '../core/http-url.js';
import { isJsonObject } from './json-shape.js';
import { REQUEST_HEADERS, RESPONSE_HEADERS } from './sdk-headers.js';
import { errorFromBody } from './serialized-error.js';
import { sendSigned } from './signed-sender.js';

async function put(settings: DriverSettings, appUrl: string): Promise<HttpResponse> {
  try {
    return await sendSigned(settings, {
      method: 'PUT',
      url: appUrl,
      headers: {
        [REQUEST_HEADERS.contentType]: 'application/json',
        [REQUEST_HEADERS.syncKind]: 'in_band',
        [REQUEST_HEADERS.serverKind]: settings.serverKind,
      },
      body: canonicalJson({ url: appUrl }),
      timeoutMs: settings.syncTimeoutMs,
    });
  } catch (err) {
    if (!(err instanceof SdkRequestError)) throw err;
    throw new AppSyncError(appUrl, err.message, { cause: err });
  }
}

/**
 * Asks the app at `appUrl` (its serve URL) for its configuration with an in-band sync
 * (sdk-http-protocol.md §1.1, §1.5): a signed PUT carrying `X-Inngest-Sync-Kind: in_band` and
 * `{"url": appUrl}`, answered with the app's config, FunctionConfigs in `functions`. Returns the
 * parsed body, unvalidated beyond `functions` being an array; throws AppSyncError otherwise.
 */
export async function syncInBand(settings: DriverSettings, appUrl: string): Promise<unknown> {
  if (!isHttpUrl(appUrl)) throw new AppSyncError(appUrl, 'not an http(s) URL');
  const res = await put(settings, appUrl);
  if (res.status !== 200) {
    const hint = res.status === 401 ? ' (is the signing key the app uses configured?)' : '';
    const { message } = errorFromBody(res.body);
    throw new AppSyncError(appUrl, `answered ${res.status}: ${message}${hint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    throw new AppSyncError(appUrl, `answered 200 with a body that is not JSON`);
  }
  if (!isJsonObject(json) || !Array.isArray(json.functions)) {
    const outOfBand = res.headers[RESPONSE_HEADERS.syncKind] === 'out_of_band';
    const hint = outOfBand
      ? ': it synced out of band instead (INNGEST_ALLOW_IN_BAND_SYNC=false?)'
      : `: ${errorFromBody(res.body).message}`;
    throw new AppSyncError(appUrl, `answered 200 without a functions array${hint}`);
  }
  return json;
}
