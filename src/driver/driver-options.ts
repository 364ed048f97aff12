import type { Clock } from '../core/clock.js';
import { InvalidOptionError } from '../core/errors.js';
import { checkIntOption } from '../core/option-checks.js';
import type { HttpTransport } from './http-transport.js';
import { stripSigningKeyPrefix } from './signing.js';

/** Default deadline of one call: a step may run this long inside one request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15 * 60 * 1000;
/** Default deadline of an in-band sync. */
export const DEFAULT_SYNC_TIMEOUT_MS = 30 * 1000;
/** The longest deadline a timer can hold (Node's timers overflow past 2^31 - 1 ms, ~24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Default cap on an SDK's response body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Options of an HttpDriver. */
export interface HttpDriverOptions {
  transport: HttpTransport;
  clock: Clock;
  /** Signs every request (`X-Inngest-Signature`) when set; apps in cloud mode need it. */
  signingKey?: string;
  /** Tried once when a request signed with `signingKey` gets a 401 (key rotation). */
  signingKeyFallback?: string;
  /**
   * Deadline of one call, headers and body. Default 15 min ({@link DEFAULT_REQUEST_TIMEOUT_MS}):
   * one request runs at most one step, and a step longer than that should be split (Inngest
   * allows 2 h; raise it to match when needed).
   */
  requestTimeoutMs?: number;
  /** Deadline of an in-band sync. Default 30 s. */
  syncTimeoutMs?: number;
  /** Cap on a response body; a longer one fails the call as `too-large`. Default 8 MiB. */
  maxResponseBytes?: number;
  /** `X-Inngest-Server-Kind`. Default: `'cloud'` when a signing key is set, else `'dev'`. */
  serverKind?: 'dev' | 'cloud';
}

/** HttpDriverOptions checked, with every default filled in. */
export interface DriverSettings {
  transport: HttpTransport;
  clock: Clock;
  signingKey: string | undefined;
  signingKeyFallback: string | undefined;
  requestTimeoutMs: number;
  syncTimeoutMs: number;
  maxResponseBytes: number;
  serverKind: 'dev' | 'cloud';
}

function checkSigningKey(option: string, key: unknown): void {
  if (key === undefined) return;
  if (typeof key !== 'string' || stripSigningKeyPrefix(key) === '') {
    throw new InvalidOptionError(
      option,
      'must be a non-empty key (after its signkey-<env>- prefix)',
    );
  }
}

function checkHas(option: string, value: unknown, methods: readonly string[]): void {
  const has = (m: string): boolean =>
    typeof (value as Record<string, unknown> | null | undefined)?.[m] === 'function';
  if (!methods.every(has)) {
    throw new InvalidOptionError(option, `must be an object with ${methods.join(', ')}()`);
  }
}

/** Checks `options` (throwing InvalidOptionError naming the bad one) and fills in defaults. */
export function driverSettings(options: HttpDriverOptions): DriverSettings {
  const {
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    syncTimeoutMs = DEFAULT_SYNC_TIMEOUT_MS,
    maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
    signingKey,
    signingKeyFallback,
  } = options;
  checkHas('transport', options.transport, ['send', 'close']);
  checkHas('clock', options.clock, ['now', 'sleep']);
  checkSigningKey('signingKey', signingKey);
  checkSigningKey('signingKeyFallback', signingKeyFallback);
  if (signingKeyFallback !== undefined && signingKey === undefined) {
    throw new InvalidOptionError('signingKeyFallback', 'needs signingKey as well');
  }
  checkIntOption('requestTimeoutMs', requestTimeoutMs, 1, MAX_TIMEOUT_MS);
  checkIntOption('syncTimeoutMs', syncTimeoutMs, 1, MAX_TIMEOUT_MS);
  checkIntOption('maxResponseBytes', maxResponseBytes, 1);
  const serverKind = options.serverKind ?? (signingKey === undefined ? 'dev' : 'cloud');
  if (serverKind !== 'dev' && serverKind !== 'cloud') {
    throw new InvalidOptionError(
      'serverKind',
      `must be 'dev' or 'cloud', got ${JSON.stringify(serverKind)}`,
    );
  }
  return {
    transport: options.transport,
    clock: options.clock,
    signingKey,
    signingKeyFallback,
    requestTimeoutMs,
    syncTimeoutMs,
    maxResponseBytes,
    serverKind,
  };
}
