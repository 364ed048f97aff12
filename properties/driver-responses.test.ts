import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretResponse, OPCODES, type HttpResponse } from '../src/internal.js';
import { propertyParams } from './settings.js';

/**
 * The driver's reading of an SDK's answer, fuzzed: any status, headers and body classify without
 * throwing, as the protocol reference says (sdk-http-protocol.md §3.2, the Go driver's
 * ShouldRetry). The oracle below restates those rules on its own; it does not call the driver's
 * helpers.
 */
const NOW = 1_800_000_000_000;
const URL = 'http://app.test/api/inngest?fnId=f';

const op = fc.record(
  {
    op: fc.oneof(fc.constantFrom(...OPCODES), fc.string({ maxLength: 8 })),
    id: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.constant(''), fc.integer()),
    name: fc.string({ maxLength: 6 }),
    data: fc.jsonValue({ maxDepth: 2 }),
    timing: fc.constant({ a: 1, b: 2 }),
  },
  { requiredKeys: ['op'] },
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.array(op, { maxLength: 4 }).map((ops) => JSON.stringify(ops)),
  op.map((o) => JSON.stringify(o)),
  fc
    .record({ name: fc.string(), message: fc.string(), stack: fc.string() })
    .map((e) => JSON.stringify(e)),
);
const headers = fc.record(
  {
    'x-inngest-sdk': fc.constantFrom('inngest-js:v4.24.0', ''),
    'x-inngest-no-retry': fc.constantFrom('true', 'false', 'TRUE', ' true ', 'yes', ''),
    'retry-after': fc.oneof(
      fc.integer({ min: -5, max: 200_000 }).map(String),
      fc.constantFrom('Wed, 21 Oct 2026 07:28:00 GMT', '2027-01-01T00:00:00Z', 'soon', ''),
    ),
    'x-inngest-req-version': fc.constantFrom('2', '1', '-1', 'x', ''),
  },
  { requiredKeys: [] },
);
const status = fc.oneof(
  fc.constantFrom(200, 206, 201, 401, 400, 500, 502, 204, 301, 404, 429),
  fc.integer({ min: 100, max: 599 }),
);

/** The protocol's classification, restated. */
function expected(
  res: HttpResponse,
): { kind: string; reason?: string; retriable?: boolean } | null {
  if (res.status === 401) return { kind: 'error', reason: 'unauthorized', retriable: true };
  if (res.status === 201) return null; // a stream envelope: checked only for not throwing
  if (res.headers['x-inngest-sdk'] === undefined)
    return { kind: 'error', reason: 'non-sdk', retriable: true };
  if (res.status === 200) {
    if (res.body.trim() === '') return { kind: 'result' };
    try {
      JSON.parse(res.body);
      return { kind: 'result' };
    } catch {
      return { kind: 'error', reason: 'invalid-response', retriable: true };
    }
  }
  if (res.status === 206) return null; // ops or invalid-response: checked below
  if (res.status >= 300) {
    const noRetry = res.headers['x-inngest-no-retry']?.trim().toLowerCase() === 'true';
    return { kind: 'error', reason: 'sdk', retriable: !noRetry };
  }
  return { kind: 'error', reason: 'invalid-response', retriable: true };
}

describe('driver response handling (fuzzed)', () => {
  it('any answer classifies without throwing, as the protocol says', () => {
    fc.assert(
      fc.property(status, headers, body, (s, h, b) => {
        const res: HttpResponse = { status: s, headers: h as Record<string, string>, body: b };
        const out = interpretResponse(res, URL, NOW);
        const want = expected(res);
        if (want !== null) expect(out).toMatchObject(want);
        if (res.status === 206 && res.headers['x-inngest-sdk'] !== undefined) {
          expect(['ops', 'error']).toContain(out.kind);
          if (out.kind === 'error') expect(out.reason).toBe('invalid-response');
          if (out.kind === 'ops')
            for (const o of out.ops) {
              expect(OPCODES).toContain(o.op);
              expect(typeof o.id).toBe('string');
            }
        }
        if (out.kind === 'error') {
          expect(typeof out.error.name).toBe('string');
          expect(typeof out.error.message).toBe('string');
          expect(out.error.message.length).toBeGreaterThan(0);
        }
        if ('retryAt' in out && out.retryAt !== undefined) {
          expect(out.retryAt).toBeGreaterThanOrEqual(NOW + 1000);
          expect(out.retryAt).toBeLessThanOrEqual(NOW + 24 * 3600 * 1000);
        }
      }),
      propertyParams(2000),
    );
  });

  it('the oracle can fail: a 500 with X-Inngest-No-Retry: true is final, without it retriable', () => {
    const sdk = { 'x-inngest-sdk': 'inngest-js:v4.24.0' };
    const final = interpretResponse(
      { status: 500, headers: { ...sdk, 'x-inngest-no-retry': 'true' }, body: '{}' },
      URL,
      NOW,
    );
    const again = interpretResponse({ status: 500, headers: sdk, body: '{}' }, URL, NOW);
    expect(final).toMatchObject({ kind: 'error', retriable: false });
    expect(again).toMatchObject({ kind: 'error', retriable: true });
  });
});
