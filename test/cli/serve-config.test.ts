import { describe, expect, it } from 'vitest';
import { serveConfig, type ServeFlags } from '../../src/cli/serve-config.js';
import { UsageError } from '../../src/cli/usage.js';

const base: ServeFlags = {
  host: '127.0.0.1',
  shards: 1,
  dataDir: './.durq',
  role: 'all',
  concurrency: 100,
  shutdownTimeout: 30_000,
  leaseTimeout: 30_000,
  backoffScale: 1,
  maxEventBytes: 3 * 1024 * 1024,
  maxRequestBytes: 10 * 1024 * 1024,
  logLevel: 'info',
};

const refused = (flags: Partial<ServeFlags>) => () => serveConfig({ ...base, ...flags });

describe('durq serve: options checked together', () => {
  it('defaults: dev mode, embedded Redis in ./.durq, port 8288', () => {
    const c = serveConfig(base);
    expect(c.production).toBe(false);
    expect(c.storage).toEqual({ kind: 'embedded', dataDir: './.durq' });
    expect(c.port).toBe(8288);
    expect(c.sdkUrls).toEqual([]);
  });

  it('a worker listens only when given --port', () => {
    expect(serveConfig({ ...base, role: 'worker' }).port).toBeNull();
    expect(serveConfig({ ...base, role: 'worker', port: 9000 }).port).toBe(9000);
  });

  it('production mode needs a signing key and an event key together', () => {
    expect(refused({ signingKey: 'k' })).toThrow(/--signing-key .* needs at least one --event-key/);
    expect(refused({ eventKey: ['e'] })).toThrow(/--event-key .* needs --signing-key/);
    expect(refused({ signingKeyFallback: 'f' })).toThrow(/--signing-key-fallback needs/);
    const c = serveConfig({ ...base, signingKey: 'k', eventKey: ['e1', 'e2'] });
    expect(c.production).toBe(true);
    expect(c.eventKeys).toEqual(['e1', 'e2']);
  });

  it('storage: --redis or --cluster, never both; each checked', () => {
    expect(serveConfig({ ...base, redis: 'redis://h:1' }).storage).toEqual({
      kind: 'redis',
      url: 'redis://h:1',
    });
    expect(serveConfig({ ...base, cluster: 'a:7000, b:7001' }).storage).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
    expect(refused({ redis: 'redis://h:1', cluster: 'a:1' })).toThrow(/exclusive/);
    expect(refused({ redis: 'http://h' })).toThrow(/--redis must be a redis:\/\//);
    expect(refused({ cluster: 'a' })).toThrow(/--cluster .* a is not host:port/);
    expect(refused({ cluster: ' , ' })).toThrow(/--cluster needs at least one/);
  });

  it('refuses what it cannot do yet, naming the option', () => {
    expect(refused({ shards: 4 })).toThrow(UsageError);
    expect(refused({ shards: 4 })).toThrow(/--shards/);
    expect(refused({ role: 'worker', sdkUrl: ['http://a'] })).toThrow(/--sdk-url/);
  });
});
