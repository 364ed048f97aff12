import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HttpDriver } from '../../src/driver/driver.js';
import type { HttpDriverOptions } from '../../src/driver/driver.js';
import { AppSyncError } from '../../src/driver/errors.js';
import { verifySignatureHeader } from '../../src/driver/signing.js';
import { UndiciTransport } from '../../src/driver/undici-transport.js';
import { sdkReply, startFakeSdk } from './helpers/fake-sdk.js';
import type { FakeSdk } from './helpers/fake-sdk.js';
import { closedPort } from './helpers/local-server.js';

const KEY = 'signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const KEY2 = 'signkey-test-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';
const NOW = 1_700_000_000_000;

let sdk: FakeSdk;
const drivers: HttpDriver[] = [];
beforeAll(async () => {
  sdk = await startFakeSdk();
});
afterAll(async () => {
  for (const d of drivers) await d.close();
  await sdk.close();
});
beforeEach(() => {
  sdk.received.length = 0;
});

function driver(options: Partial<HttpDriverOptions> = {}): HttpDriver {
  const clock = new ManualClock(NOW);
  const d = new HttpDriver({ transport: new UndiciTransport(), clock, ...options });
  drivers.push(d);
  return d;
}

/** What syncInBand throws, checked to be an AppSyncError. */
async function syncFailure(d: HttpDriver, url: string): Promise<AppSyncError> {
  const err: unknown = await d.syncInBand(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppSyncError);
  return err as AppSyncError;
}

const config = { app_id: 'a', framework: 'nodejs', functions: [{ id: 'a-f' }] };

describe('HttpDriver.syncInBand', () => {
  it('PUTs {url} in band, signed, and returns the app config', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, config, { 'x-inngest-sync-kind': 'in_band' });
    const url = `${sdk.origin}/api/inngest`;
    expect(await driver({ signingKey: KEY }).syncInBand(url)).toEqual(config);
    const [req] = sdk.received;
    expect(req?.method).toBe('PUT');
    expect(req?.url).toBe('/api/inngest');
    expect(req?.body).toBe(JSON.stringify({ url }));
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-inngest-sync-kind': 'in_band',
      'x-inngest-server-kind': 'cloud',
    });
    const sig = req?.headers['x-inngest-signature'] as string;
    expect(verifySignatureHeader(sig, req?.body ?? '', [KEY], NOW / 1000)).toBe(true);
  });

  it('sends no signature without a key, and says dev', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 200, config);
    await driver().syncInBand(`${sdk.origin}/api/inngest`);
    expect(sdk.received[0]?.headers['x-inngest-signature']).toBeUndefined();
    expect(sdk.received[0]?.headers['x-inngest-server-kind']).toBe('dev');
  });

  it('retries with the fallback key after a 401', async () => {
    sdk.respond = (req, res) => {
      const sig = req.headers['x-inngest-signature'] as string;
      if (verifySignatureHeader(sig, req.body, [KEY2], NOW / 1000)) sdkReply(res, 200, config);
      else sdkReply(res, 401, { message: 'Unauthorized' });
    };
    const d = driver({ signingKey: KEY, signingKeyFallback: KEY2 });
    expect(await d.syncInBand(`${sdk.origin}/api/inngest`)).toEqual(config);
    expect(sdk.received).toHaveLength(2);
  });

  it('throws an AppSyncError naming the URL, the status and the message on an error', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 500, { code: 'x', message: 'No signing key found' });
    const url = `${sdk.origin}/api/inngest`;
    const err = await syncFailure(driver(), url);
    expect(err.code).toBe('APP_SYNC_FAILED');
    expect(err.url).toBe(url);
    expect(err.message).toContain(url);
    expect(err.message).toContain('500');
    expect(err.message).toContain('No signing key found');
  });

  it('says when a 401 means the signing key', async () => {
    sdk.respond = (_r, res) => sdkReply(res, 401, { message: 'Unauthorized' });
    const err = await syncFailure(driver({ signingKey: KEY }), `${sdk.origin}/api/inngest`);
    expect(err.message).toMatch(/401: Unauthorized.*signing key/);
  });

  it('throws when a 200 carries no functions array, naming an out-of-band answer', async () => {
    sdk.respond = (_r, res) =>
      sdkReply(
        res,
        200,
        { message: 'Successfully registered', modified: false },
        { 'x-inngest-sync-kind': 'out_of_band' },
      );
    const url = `${sdk.origin}/api/inngest`;
    expect((await syncFailure(driver(), url)).message).toContain('out of band');
    sdk.respond = (_r, res) => sdkReply(res, 200, { functions: 'nope' });
    expect((await syncFailure(driver(), url)).message).toContain('without a functions array');
    sdk.respond = (_r, res) => sdkReply(res, 200, 'not json');
    expect((await syncFailure(driver(), url)).message).toContain('not JSON');
  });

  it('throws an AppSyncError when the app cannot be reached, or the URL is not http(s)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/inngest`;
    const err = await syncFailure(driver(), url);
    expect(err.message).toContain(url);
    expect(err.message).toContain('ECONNREFUSED');
    expect((await syncFailure(driver(), 'file:///etc/passwd')).message).toContain('http(s)');
  });

  it('holds the sync to syncTimeoutMs', async () => {
    sdk.respond = () => undefined;
    const err = await syncFailure(driver({ syncTimeoutMs: 200 }), `${sdk.origin}/api/inngest`);
    expect(err.message).toContain('timeout');
  });
});
