import { UsageError } from './usage.js';
import type { LogLevelName } from './logger.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_PORT = 8288;
export const DEFAULT_MAX_EVENT_BYTES = 3 * 1024 * 1024;

/** `durq serve`'s options after commander parsed them (flags, then DURQ_* variables). */
export interface ServeFlags {
  port?: number;
  host: string;
  redis?: string;
  cluster?: string;
  shards: number;
  dataDir: string;
  sdkUrl?: string[];
  signingKey?: string;
  signingKeyFallback?: string;
  eventKey?: string[];
  role: Role;
  concurrency: number;
  shutdownTimeout: number;
  leaseTimeout: number;
  backoffScale: number;
  maxEventBytes: number;
  maxRequestBytes: number;
  logLevel: LogLevelName;
}

export type Storage =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'redis'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[] };

/** What `durq serve` runs with, every cross-option rule checked. */
export interface ServeConfig extends Omit<ServeFlags, 'port' | 'sdkUrl' | 'eventKey'> {
  /** null: no HTTP listener (a worker without --port). */
  port: number | null;
  sdkUrls: string[];
  eventKeys: string[];
  storage: Storage;
  production: boolean;
}

export function serveConfig(f: ServeFlags): ServeConfig {
  if (f.redis !== undefined && f.cluster !== undefined)
    throw new UsageError('--redis and --cluster are exclusive: give one Redis deployment');
  if (f.redis !== undefined && !/^rediss?:\/\//.test(f.redis))
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got ${f.redis}`);
  if (f.shards !== 1)
    throw new UsageError(
      '--shards above 1 is not supported yet: a run and its account live on one queue shard, ' +
        'and durq serve has one account (spread a Redis Cluster by running one durq per shard)',
    );
  const eventKeys = f.eventKey ?? [];
  if (f.signingKey !== undefined && eventKeys.length === 0)
    throw new UsageError('--signing-key (production mode) needs at least one --event-key');
  if (f.signingKey === undefined && eventKeys.length > 0)
    throw new UsageError('--event-key (production mode) needs --signing-key');
  if (f.signingKeyFallback !== undefined && f.signingKey === undefined)
    throw new UsageError('--signing-key-fallback needs --signing-key');
  if (f.role === 'worker' && f.sdkUrl !== undefined)
    throw new UsageError('--sdk-url needs a role that serves the API (all or api), not worker');
  const { port, sdkUrl, eventKey, ...rest } = f;
  void sdkUrl;
  void eventKey;
  return {
    ...rest,
    port: port ?? (f.role === 'worker' ? null : DEFAULT_PORT),
    sdkUrls: f.sdkUrl ?? [],
    eventKeys,
    storage: storageOf(f),
    production: f.signingKey !== undefined,
  };
}

function storageOf(f: ServeFlags): Storage {
  if (f.redis !== undefined) return { kind: 'redis', url: f.redis };
  if (f.cluster !== undefined) return { kind: 'cluster', nodes: clusterNodes(f.cluster) };
  return { kind: 'embedded', dataDir: f.dataDir };
}

function clusterNodes(list: string): { host: string; port: number }[] {
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((hostPort) => {
      const m = /^(.+):(\d{1,5})$/.exec(hostPort);
      if (m === null || Number(m[2]) > 65535)
        throw new UsageError(
          `--cluster wants host:port,… seed nodes; ${hostPort} is not host:port`,
        );
      return { host: m[1] as string, port: Number(m[2]) };
    });
  if (nodes.length === 0) throw new UsageError('--cluster needs at least one host:port');
  return nodes;
}
