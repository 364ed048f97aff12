import type { Clock } from '../core/clock.js';
import type { KeyRing } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import type { RestIds } from './rest-shapes.js';
import type { ServerEngine } from './server-engine.js';

/** What every route reads: the engine, the keys, the metrics. */
export interface ServerContext {
  engine: ServerEngine;
  keys: KeyRing;
  metrics: ServerMetrics;
  ids: RestIds;
  clock: Clock;
  /** 'dev' or 'cloud': what an SDK's `X-Inngest-Expected-Server-Kind` must say. */
  serverKind: 'dev' | 'cloud';
}
