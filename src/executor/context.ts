import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { HttpDriver } from '../driver/driver.js';
import type { Logger } from '../queue/processor/options.js';
import type { Queue } from '../queue/queue.js';
import type { RunStore } from '../state/run-store.js';
import type { Lifecycle } from './lifecycle.js';
import type { Registry } from './registry.js';

/** What the executor's parts share: one engine's queue, run state, registry and driver. */
export interface ExecutorContext {
  readonly queue: Queue;
  /** The account every run of this engine belongs to. */
  readonly accountId: string;
  /** Run state on the account's shard. */
  readonly store: RunStore;
  readonly registry: Registry;
  readonly driver: HttpDriver;
  readonly clock: Clock;
  readonly random: Random;
  readonly lifecycle: Lifecycle;
  readonly log: Logger;
  /** How long a finished run stays inspectable, ms. */
  readonly retentionMs: number;
  /** How long received events stay inspectable, ms. */
  readonly eventRetentionMs: number;
  readonly maxEventBytes: number;
  /** Largest SDK call body that carries the run's state; larger ones use `use_api`. */
  readonly maxRequestBodyBytes: number;
}
