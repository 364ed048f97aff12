/**
 * durq's public API. What the test harness, simulator and benchmarks need beyond it (key
 * builders, script specs, record codecs) is in `durq/internal` (src/internal.ts), with no
 * stability promise.
 */
export { ManualClock, SystemClock, type Clock } from './core/clock.js';
export { seededRandom, systemRandom, type Random } from './core/random.js';
export { isUlid, ulid, ulidTime } from './core/ulid.js';
export {
  DurqError,
  ERROR_CODES,
  InvalidOptionError,
  UnknownStatusError,
  UnknownVersionError,
  type DurqErrorCode,
} from './core/errors.js';
export { ScriptCallError, ScriptError, ScriptLoadError } from './redis/errors.js';
export type { LuaScript } from './redis/script.js';
export type { RedisTransport, ScriptArg } from './redis/transport.js';
export { IoredisTransport, connectCluster, connectRedis } from './redis/ioredis-transport.js';
export { InvalidItemError } from './queue/errors.js';
export {
  ITEM_KIND_MEANINGS,
  ITEM_KINDS,
  itemPayload,
  type CustomKey,
  type CustomKeyInput,
  type CustomKeyScope,
  type EnqueueInput,
  type ItemKind,
  type QueueItem,
  type Throttle,
  type ThrottleInput,
} from './queue/item.js';
export type { PartitionInfo, PartitionRef } from './queue/partition.js';
export { Queue, routingKeyOf, type QueueOptions } from './queue/queue.js';
export { QueueShard, type QueueShardOptions } from './queue/shard.js';
export { shardIndexFor } from './queue/selector.js';
export type { FenceRefusal, LeaseRefusal } from './queue/status.js';
export type { EnqueueResult } from './queue/shard/enqueue.js';
export type { PeekedItem } from './queue/shard/peek.js';
export type {
  ConcurrencyLimits,
  ExtendResult,
  FenceResult,
  LeaseOptions,
  LeaseResult,
} from './queue/shard/lease-common.js';
export type { LeaseBatchOptions } from './queue/shard/leaseBatch.js';
export type { DequeueEntry } from './queue/shard/dequeue.js';
export type { RequeueOptions } from './queue/shard/requeue.js';
export type { PartitionLeaseResult } from './queue/shard/partitionLease.js';
export type { PartitionRequeueResult } from './queue/shard/partitionRequeue.js';
export type { PassOptions, PassResult } from './queue/shard/partitionPass.js';
export type { ScavengeResult } from './queue/shard/scavengePartition.js';
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
  ProcessorClosingError,
  RetryAtError,
  DeferError,
  type Handler,
  type HandlerContext,
  type HandlerResult,
} from './queue/processor/run/handler.js';
export { LeaseLostError } from './queue/processor/run/worker.js';
export { BACKOFF_TABLE_MS, retryDelayMs } from './queue/processor/run/backoff.js';
export type { ProcessorStats } from './queue/processor/stats.js';
export {
  createEngine,
  EngineClosedError,
  RunWaitTimeoutError,
  type Engine,
  type EngineOptions,
} from './executor/engine.js';
export type { RunView } from './executor/run-view.js';
export type { EventListQuery, StoredEventView } from './executor/event-list.js';
export type { RunData, RunJob } from './executor/run-data.js';
export type { FinishedRun, LifecycleListener, RunRef } from './executor/lifecycle.js';
export { openTelemetryListener } from './executor/otel-listener.js';
export {
  InvalidEventError,
  InvalidExpressionError,
  InvalidFunctionConfigError,
} from './executor/errors.js';
export { AttemptFailedError } from './executor/attempt-error.js';
export type { StepRecord } from './state/run.js';
export { AppSyncError, SdkRequestError, SdkResponseError } from './driver/errors.js';
export type { HttpRequest, HttpResponse, HttpTransport } from './driver/http-transport.js';
export { UndiciTransport } from './driver/undici-transport.js';
