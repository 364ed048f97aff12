/**
 * durq/internal: what the test harness, simulator and benchmarks need beyond the public API
 * (key builders, script specs and reply decoders, record codecs, the Lua loader). No stability
 * promise: it changes with the code.
 */
export * from './index.js';
export { assert, unreachable, AssertionError } from './core/assert.js';
export { leaseId } from './core/ulid.js';
export { checkIntOption } from './core/option-checks.js';
export { KeyNamespace, assertKeyPart, keyPartProblem } from './redis/key-namespace.js';
export {
  defaultLuaRoot,
  flatten,
  includesOf,
  luaLayers,
  readLuaScripts,
} from './redis/script-loader.js';
export { parseLuaHeader, type LuaHeader } from './redis/lua-header.js';
export { ShardKeys } from './queue/keys.js';
export {
  decodeItem,
  encodeItem,
  ITEM_VERSION,
  PRIORITY_FACTOR_KINDS,
  PROMOTABLE_KINDS,
} from './queue/item.js';
export {
  decodePartition,
  PARTITION_VERSION,
  encodePartition,
  functionPartitionId,
  systemPartitionId,
} from './queue/partition.js';
export { Status, type StatusName } from './queue/status.js';
export { LUA_SCRIPTS } from './queue/lua.generated.js';
export { ScriptSpec, type DecodedArgs } from './queue/shard/script-spec.js';
export { QUEUE_SCRIPTS, type QueueScriptName } from './queue/shard/scripts.js';
export { decodeLeaseReply } from './queue/shard/lease.js';
export { decodeLeaseBatchReply } from './queue/shard/leaseBatch.js';
export { decodePartitionLeaseReply } from './queue/shard/partitionLease.js';
export { decodePartitionPassReply } from './queue/shard/partitionPass.js';
export { decodeScavengeReply } from './queue/shard/scavengePartition.js';
export {
  BATCH_MIN,
  groupByAccount,
  leasable,
  planPasses,
  type Pass,
  type PlanInput,
} from './queue/processor/scan/plan.js';
export { interpretResponse, type SdkOutcome } from './driver/interpret-response.js';
export { parseOpcodes, OPCODES, type Opcode } from './driver/opcodes.js';
export { RunKeys } from './state/keys.js';
export { STATE_SCRIPTS } from './state/scripts.js';
export { RunStore } from './state/run-store.js';
export { encodeNewRunMeta, type StepRecord as RunStepRecord } from './state/run.js';
export type { Pause } from './state/pause.js';
export { itemIdOf, idempotencyKeyOf, stepPrefix, JobIds } from './executor/job-ids.js';
export { encodeRunItemPayload } from './executor/item-payload.js';
export { HttpDriver } from './driver/driver.js';
export type { ExecutorContext } from './executor/context.js';
export { executorHandler } from './executor/handler.js';
export { Registry } from './executor/registry.js';
export { Lifecycle } from './executor/lifecycle.js';
export { sendEvents } from './executor/ingest.js';
export { cancelRun } from './executor/cancel.js';
