import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { InvalidOptionError } from '../../src/core/errors.js';
import { HttpDriver } from '../../src/driver/driver.js';
import type { HttpDriverOptions } from '../../src/driver/driver.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  driverSettings,
} from '../../src/driver/driver-options.js';
import type { HttpTransport } from '../../src/driver/http-transport.js';

const transport: HttpTransport = {
  send: () => Promise.reject(new Error('unused')),
  close: () => Promise.resolve(),
};
const clock = new ManualClock();

describe('HttpDriver options', () => {
  it('fills in the defaults: 15 min, 8 MiB, dev without a key, cloud with one', () => {
    const dev = driverSettings({ transport, clock });
    expect(dev).toMatchObject({
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      serverKind: 'dev',
    });
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(900_000);
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(8 * 1024 * 1024);
    expect(driverSettings({ transport, clock, signingKey: 'signkey-test-ab' }).serverKind).toBe(
      'cloud',
    );
  });

  const bad: [string, Partial<HttpDriverOptions>][] = [
    ['transport', { transport: {} as HttpTransport }],
    ['clock', { clock: undefined as unknown as ManualClock }],
    ['signingKey', { signingKey: '' }],
    ['signingKey', { signingKey: 'signkey-test-' }],
    ['signingKey', { signingKey: 42 as unknown as string }],
    ['signingKeyFallback', { signingKey: 'ab', signingKeyFallback: '' }],
    ['signingKeyFallback', { signingKeyFallback: 'ab' }],
    ['requestTimeoutMs', { requestTimeoutMs: 0 }],
    ['requestTimeoutMs', { requestTimeoutMs: 1.5 }],
    ['requestTimeoutMs', { requestTimeoutMs: 2 ** 31 }],
    ['syncTimeoutMs', { syncTimeoutMs: -1 }],
    ['maxResponseBytes', { maxResponseBytes: Number.POSITIVE_INFINITY }],
    ['serverKind', { serverKind: 'prod' as 'dev' }],
  ];
  for (const [option, options] of bad) {
    it(`refuses a bad ${option}: ${JSON.stringify(options)}`, () => {
      let err: unknown;
      try {
        new HttpDriver({ transport, clock, ...options });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option).toBe(option);
    });
  }
});
