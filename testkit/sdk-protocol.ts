/**
 * A test oracle's own, tiny client for the Inngest SDK wire protocol
 * (../shared/reference/sdk-http-protocol.md): sign a body, sync an app in band, POST a call
 * request, hash a step ID. Deliberately independent of the product (src/driver/ has its own): a
 * test must not judge the driver with the driver's code. Only node:crypto, fetch and
 * `canonicalize` (JCS).
 */
import { createHash, createHmac } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The HTTP answer of an SDK app: status, lower-case headers, body parsed as JSON when it is. */
export interface SdkReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** RFC 8785 (JCS) form of a JSON value: what the server sends and what the signature covers. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form (undefined or a function)');
  return text;
}

/**
 * `X-Inngest-Signature` for a request body (§4.2): `t=<unix s>&s=<hex hmac-sha256>`, keyed by the
 * signing key without its `signkey-<env>-` prefix as UTF-8 text (not hex-decoded), over the
 * canonical body followed by `t`. A GET signs the empty string.
 */
export function signatureHeader(
  canonicalBody: string,
  signingKey: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const key = signingKey.replace(/^signkey-\w+-/, '');
  const mac = createHmac('sha256', key)
    .update(canonicalBody + String(nowSeconds))
    .digest('hex');
  return `t=${nowSeconds}&s=${mac}`;
}

/** The ID the SDK gives the `index`-th repeat (0 = first) of a step's user ID: sha1 hex (§3.5). */
export function stepIdHash(userId: string, index = 0): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`bad repeat index ${index}`);
  const id = index === 0 ? userId : `${userId}:${index}`;
  return createHash('sha1').update(id).digest('hex');
}

/** Sends `body` (canonicalized, signed when a key is given) and reads the reply. */
export async function sendToApp(
  url: string,
  req: { method: 'GET' | 'PUT' | 'POST'; body?: unknown; signingKey?: string; headers?: object },
): Promise<SdkReply> {
  const text = req.body === undefined ? '' : canonicalJson(req.body);
  const headers: Record<string, string> = { ...(req.headers as Record<string, string>) };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  if (req.signingKey !== undefined)
    headers['x-inngest-signature'] = signatureHeader(text, req.signingKey);
  const res = await fetch(url, {
    method: req.method,
    headers,
    ...(req.body === undefined ? {} : { body: text }),
  });
  const raw = await res.text();
  let body: unknown = raw;
  try {
    body = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

/**
 * In-band sync (§1.1, §1.5): PUT with `X-Inngest-Sync-Kind: in_band` and `{"url": appUrl}`, signed
 * when a key is given. Returns the app's config (app_id, functions, …); throws on a non-200 reply.
 */
export async function syncInBand(
  appUrl: string,
  opts: { signingKey?: string } = {},
): Promise<Record<string, unknown>> {
  const reply = await sendToApp(appUrl, {
    method: 'PUT',
    body: { url: appUrl },
    headers: { 'x-inngest-sync-kind': 'in_band' },
    ...(opts.signingKey === undefined ? {} : { signingKey: opts.signingKey }),
  });
  if (reply.status !== 200 || typeof reply.body !== 'object' || reply.body === null)
    throw new Error(
      `in-band sync of ${appUrl} answered ${reply.status}: ${JSON.stringify(reply.body)}`,
    );
  return reply.body as Record<string, unknown>;
}

/** A call request body (§2.3), as the Go executor sends it, for one run. */
export interface CallBodyInput {
  event: Record<string, unknown>;
  runId: string;
  steps?: Record<string, unknown>;
  stack?: string[];
  attempt?: number;
  maxAttempts?: number;
  disableImmediateExecution?: boolean;
}

export function callBody(input: CallBodyInput): Record<string, unknown> {
  const event = { user: {}, ...input.event };
  const stack = input.stack ?? [];
  return {
    event,
    events: [event],
    steps: input.steps ?? {},
    ctx: {
      run_id: input.runId,
      attempt: input.attempt ?? 0,
      max_attempts: input.maxAttempts ?? 3,
      disable_immediate_execution: input.disableImmediateExecution ?? false,
      use_api: false,
      stack: { stack, current: stack.length },
    },
    version: 2,
    use_api: false,
  };
}

/**
 * POSTs a call request (§2.1) to `<appUrl>?fnId=…&stepId=…` (stepId `step` = discovery), with the
 * headers the Go executor sends, signed when a key is given.
 */
export async function postCall(
  appUrl: string,
  call: { fnId: string; stepId?: string; body: Record<string, unknown>; signingKey?: string },
): Promise<SdkReply> {
  const url = new URL(appUrl);
  const stepId = call.stepId ?? 'step';
  url.searchParams.set('fnId', call.fnId);
  url.searchParams.set('stepId', stepId);
  const ctx = call.body['ctx'] as { run_id?: string } | undefined;
  return await sendToApp(url.href, {
    method: 'POST',
    body: call.body,
    headers: {
      'x-run-id': ctx?.run_id ?? '',
      'x-inngest-step-id': stepId,
      'x-inngest-req-version': '2',
    },
    ...(call.signingKey === undefined ? {} : { signingKey: call.signingKey }),
  });
}
