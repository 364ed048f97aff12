export { ManualClock, SystemClock, type Clock } from './core/clock.js';
export { seededRandom, systemRandom, type Random } from './core/random.js';
export { isUlid, leaseId, ulid, ulidTime } from './core/ulid.js';
export { ShardKeys } from './queue/keys.js';
export { loadScripts, type LoadedScript } from './redis/script-loader.js';
export {
  SCRIPT_NAMES,
  type RedisTransport,
  type ScriptArg,
  type ScriptName,
} from './redis/transport.js';
export { IoredisTransport, connectCluster, connectRedis } from './redis/ioredis-transport.js';
export {
  DurqError,
  ERROR_CODES,
  InvalidOptionError,
  UnknownStatusError,
  UnknownVersionError,
  type DurqErrorCode,
} from './core/errors.js';
export { InvalidItemError } from './queue/errors.js';
export * from './queue/item.js';
export type { PartitionInfo, PartitionRef } from './queue/partition.js';
export { Queue, routingKeyOf, type QueueOptions } from './queue/queue.js';
export { QueueShard, type QueueShardOptions } from './queue/shard.js';
export type { EnqueueResult, PeekedItem } from './queue/shard/items.js';
export type {
  ConcurrencyLimits,
  ExtendResult,
  LeaseBatchOptions,
  LeaseOptions,
  LeaseResult,
} from './queue/shard/leases.js';
export type { DequeueEntry, FenceResult, RequeueOptions } from './queue/shard/finish.js';
export type { PartitionLeaseResult, PartitionRequeueResult } from './queue/shard/partitions.js';
export type { ScavengeResult } from './queue/shard/scavenge.js';
export type { PassOptions, PassResult } from './queue/shard/partitionPass.js';
export { shardIndexFor } from './queue/selector.js';
export { Status, type FenceRefusal, type LeaseRefusal } from './queue/status.js';
export { createProcessor, type Processor } from './queue/processor/processor.js';
export type {
  ProcessorOptions,
  LimitLookup,
  Logger,
  LogLevel,
  ProcessorHooks,
} from './queue/processor/options.js';
export {
  NonRetriableError,
  RetryAtError,
  type Handler,
  type HandlerContext,
  type HandlerResult,
} from './queue/processor/run/handler.js';
export { BACKOFF_TABLE_MS, retryDelayMs } from './queue/processor/run/backoff.js';
export type { ProcessorStats } from './queue/processor/stats.js';
