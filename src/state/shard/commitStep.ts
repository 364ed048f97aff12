import { assert, unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { limitArg, type ConcurrencyLimits } from '../../queue/shard/lease-common.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { fenceRefusal, isFenceRefusal, type FenceRefusal } from '../../queue/status.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { encodePause, type Pause } from '../pause.js';
import type { StepRecord } from '../run.js';
import { queueItemArgs, queueItemKeys, runScriptKeys, type StateContext } from './context.js';

/** lua/state/commitStep-n.lua */
export const commitStepScript = defineScript({
  script: LUA_SCRIPTS.commitStep,
  keys: [
    'meta',
    'memo',
    'stack',
    'pending',
    'runItems',
    'runPauses',
    'pauses',
    'invokes',
    'steps',
    'items',
    'leases',
    'ready',
    'leased',
    'scavenger',
    'tombstone',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
    'inProgressAccount',
    'inProgressPartition',
    'inProgressCustom1',
    'inProgressCustom2',
  ],
  args: [
    'itemId',
    'partitionId',
    'leaseId',
    'now',
    'tombstoneTtlMs',
    'accountId',
    'wakeChannel',
    'graceMs',
    'partitionJson',
    'maxStateBytes',
    'pendingJson',
    'die',
    'requestVersion',
    'chainItemId',
    'chainLeaseId',
    'accountLimit',
    'fnLimit',
    'count',
  ],
  statuses: [
    'OK',
    'NOT_FOUND',
    'LEASE_MISMATCH',
    'LEASE_EXPIRED',
    'NOT_LEASED',
    'RUN_NOT_FOUND',
    'RUN_ENDED',
    'MEMO_CONFLICT',
    'STATE_OVERFLOW',
  ],
  keysPerEntry: ['entryKey'],
  argsPerEntry: ['type', 'id', 'json', 'score', 'extra'],
  countArg: 'count',
});

/** One thing a commit writes. */
export type CommitEntry =
  | { type: 'memo'; stepId: string; memoJson: string; record?: StepRecord }
  /** `item-if-done`: only when no parallel step is pending after the memos. */
  | { type: 'item' | 'item-if-done'; item: QueueItem }
  | { type: 'pause'; pause: Pause };

export interface CommitInput {
  /** The leased item whose request produced this; the commit acks it. */
  item: QueueItem;
  leaseId: string;
  entries: readonly CommitEntry[];
  /** Replaces the pending set (a parallel plan). */
  pending?: readonly string[];
  die?: '0' | '1' | 'reset-if-done';
  requestVersion?: number;
  maxStateBytes: number;
  /**
   * Lease this new item (one of the entries) to the caller in the same script, when the limits
   * admit it: the caller runs it next without a scan.
   */
  chain?: { itemId: string; leaseId: string; limits: ConcurrencyLimits };
}

export type CommitResult =
  /** `chained`: the chain item is leased to the caller under `chain.leaseId`. */
  | { status: 'committed'; hasPending: boolean; chained: boolean }
  | { status: 'lease-lost'; reason: FenceRefusal }
  | { status: 'run-not-found' | 'run-ended' | 'memo-conflict' | 'state-overflow' };

export async function commitStep(ctx: StateContext, input: CommitInput): Promise<CommitResult> {
  const { item } = input;
  assert(item.runId !== undefined, 'commitStep: the item has no run');
  const run = runScriptKeys(ctx, item.runId);
  const a = queueItemArgs(ctx, item);
  const reply = (await commitStepScript.run(ctx.shard.transport, {
    keys: { ...run, ...queueItemKeys(ctx, item) },
    args: {
      // partitionId, accountId, wakeChannel, graceMs, tombstoneTtlMs, partitionJson
      ...a,
      itemId: item.id,
      leaseId: input.leaseId,
      now: ctx.shard.clock.now(),
      maxStateBytes: input.maxStateBytes,
      pendingJson: input.pending ? JSON.stringify(input.pending) : '',
      die: input.die ?? '',
      requestVersion: input.requestVersion ?? '',
      chainItemId: input.chain?.itemId ?? '',
      chainLeaseId: input.chain?.leaseId ?? '',
      accountLimit: limitArg('limits.account', input.chain?.limits.account),
      fnLimit: limitArg('limits.function', input.chain?.limits.function),
      count: input.entries.length,
    },
    entries: input.entries.map((e) => encodeEntry(ctx, e)),
  })) as [number, number?, number?];
  const status = commitStepScript.status(reply[0]);
  if (isFenceRefusal(status)) return { status: 'lease-lost', reason: fenceRefusal(status) };
  switch (status) {
    case 'OK':
      return { status: 'committed', hasPending: reply[1] === 1, chained: reply[2] === 1 };
    case 'RUN_NOT_FOUND':
      return { status: 'run-not-found' };
    case 'RUN_ENDED':
      return { status: 'run-ended' };
    case 'MEMO_CONFLICT':
      return { status: 'memo-conflict' };
    case 'STATE_OVERFLOW':
      return { status: 'state-overflow' };
    default:
      return unreachable(status, 'commitStep status');
  }
}

/** One entry's KEYS and ARGV. */
function encodeEntry(ctx: StateContext, e: CommitEntry) {
  const placeholder = ctx.keys.placeholder();
  switch (e.type) {
    case 'memo':
      return {
        keys: { entryKey: placeholder },
        args: {
          type: 'memo',
          id: e.stepId,
          json: e.memoJson,
          score: 0,
          extra: e.record ? JSON.stringify(e.record) : '',
        },
      };
    case 'item':
    case 'item-if-done':
      return {
        keys: { entryKey: ctx.shard.keys.tombstone(e.item.id) },
        args: {
          type: e.type,
          id: e.item.id,
          json: encodeItem(e.item),
          score: e.item.score,
          extra: '',
        },
      };
    case 'pause':
      return {
        keys: {
          entryKey: e.pause.kind === 'invoke' ? placeholder : ctx.keys.pauseIndex(e.pause.event),
        },
        args: {
          type: 'pause',
          id: e.pause.id,
          json: encodePause(e.pause),
          score: 0,
          extra: e.pause.correlationId ?? '',
        },
      };
    default:
      return unreachable(e, 'commit entry');
  }
}
