/** Request headers durq sends to an SDK (sdk-http-protocol.md §2.2, §1.1). */
export const REQUEST_HEADERS = {
  contentType: 'Content-Type',
  signature: 'X-Inngest-Signature',
  runId: 'X-Run-ID',
  stepId: 'X-Inngest-Step-ID',
  jobId: 'X-Inngest-Job-ID',
  requestVersion: 'X-Inngest-Req-Version',
  serverKind: 'X-Inngest-Server-Kind',
  syncKind: 'X-Inngest-Sync-Kind',
} as const;

/** Response headers durq reads, lower-cased as an HttpResponse carries them (§3.1). */
export const RESPONSE_HEADERS = {
  sdk: 'x-inngest-sdk',
  noRetry: 'x-inngest-no-retry',
  retryAfter: 'retry-after',
  requestVersion: 'x-inngest-req-version',
  syncKind: 'x-inngest-sync-kind',
} as const;
