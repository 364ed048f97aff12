import { unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { encodePause, type Pause } from '../pause.js';
import {
  queueItemArgs,
  queueItemKeys,
  runScriptKeys,
  type StateContext,
  enqueueKeys,
} from './context.js';

/** lua/state/createRun-n.lua */
export const createRunScript = defineScript({
  script: LUA_SCRIPTS.createRun,
  keys: [
    'idempotency',
    'meta',
    'events',
    'runItems',
    'runPauses',
    'pauses',
    'items',
    'tombstone',
    'ready',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
    'eventRuns',
    'singleton',
    'cancelTombstone',
  ],
  args: [
    'runId',
    'idempotencyTtlMs',
    'metaJson',
    'eventsJson',
    'now',
    'itemId',
    'itemJson',
    'score',
    'partitionId',
    'partitionJson',
    'accountId',
    'wakeChannel',
    'graceMs',
    'eventRunsTtlMs',
    'count',
    'singletonLock',
    'cancelItemId',
    'cancelItemJson',
    'cancelItemScore',
  ],
  statuses: ['OK', 'RUN_EXISTS', 'RUN_SKIPPED', 'SINGLETON_HELD'],
  keysPerEntry: ['pauseIndex'],
  argsPerEntry: ['pauseId', 'pauseJson'],
  countArg: 'count',
});

export interface CreateRunInput {
  runId: string;
  idempotencyKey: string;
  idempotencyTtlMs: number;
  meta: Record<string, string>;
  eventsJson: string;
  startItem: QueueItem;
  cancelPauses: readonly Pause[];
  /** The first trigger event's internal ID: the run joins its run list. */
  eventId: string;
  eventRunsTtlMs: number;
  /** A singleton run: the lock it takes (its ID); while another run holds it, none is created. */
  singletonLock?: string;
  /**
   * The run's start-timeout cancel item (reference §11.7), stored with it: on the start item's
   * partition (it shares its partition JSON and account).
   */
  cancelItem?: QueueItem;
}

export type CreateRunResult =
  | { status: 'created'; runId: string }
  | { status: 'exists' | 'skipped'; runId: string }
  /** The singleton lock is held: `runId` is its holder's. */
  | { status: 'singleton-held'; runId: string };

export async function createRun(
  ctx: StateContext,
  input: CreateRunInput,
): Promise<CreateRunResult> {
  const item = input.startItem;
  const run = runScriptKeys(ctx, input.runId);
  const q = queueItemKeys(ctx, item);
  const a = queueItemArgs(ctx, item);
  const reply = (await createRunScript.run(ctx.shard.transport, {
    keys: {
      idempotency: ctx.keys.idempotency(input.idempotencyKey),
      meta: run.meta,
      events: run.events,
      runItems: run.runItems,
      runPauses: run.runPauses,
      pauses: run.pauses,
      // items, tombstone, ready, partitions, globalPartitions, accounts, accountPartitions
      ...enqueueKeys(q),
      eventRuns: ctx.keys.eventRuns(input.eventId),
      singleton:
        input.singletonLock === undefined
          ? ctx.keys.placeholder()
          : ctx.keys.singleton(input.singletonLock),
      cancelTombstone: input.cancelItem
        ? ctx.shard.keys.tombstone(input.cancelItem.id)
        : ctx.keys.placeholder(),
    },
    args: {
      // partitionId, accountId, wakeChannel, graceMs, partitionJson (the spec takes what it names)
      ...a,
      runId: input.runId,
      idempotencyTtlMs: input.idempotencyTtlMs,
      metaJson: JSON.stringify(input.meta),
      eventsJson: input.eventsJson,
      now: ctx.shard.clock.now(),
      itemId: item.id,
      itemJson: encodeItem(item),
      score: item.score,
      eventRunsTtlMs: input.eventRunsTtlMs,
      count: input.cancelPauses.length,
      singletonLock: input.singletonLock ?? '',
      cancelItemId: input.cancelItem?.id ?? '',
      cancelItemJson: input.cancelItem ? encodeItem(input.cancelItem) : '',
      cancelItemScore: input.cancelItem?.score ?? 0,
    },
    entries: input.cancelPauses.map((p) => ({
      keys: { pauseIndex: ctx.keys.pauseIndex(p.event) },
      args: { pauseId: p.id, pauseJson: encodePause(p) },
    })),
  })) as [number, string];
  const status = createRunScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'created', runId: reply[1] };
    case 'RUN_EXISTS':
      return { status: 'exists', runId: reply[1] };
    case 'RUN_SKIPPED':
      return { status: 'skipped', runId: reply[1] };
    case 'SINGLETON_HELD':
      return { status: 'singleton-held', runId: reply[1] };
    default:
      return unreachable(status, 'createRun status');
  }
}
