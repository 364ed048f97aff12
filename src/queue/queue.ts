import type { Clock } from '../core/clock.js';
import { ulid } from '../core/ulid.js';
import type { Random } from '../core/random.js';
import { checkIntOption } from '../core/option-checks.js';
import { InvalidOptionError } from '../core/errors.js';
import type { EnqueueInput, QueueItem } from './item.js';
import { itemTimes } from './score.js';
import { shardIndexFor } from './selector.js';
import type { QueueShard } from './shard.js';
import type { EnqueueResult } from './shard/enqueue.js';
import { validateEnqueueInput } from './validate.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface QueueOptions {
  /** One or more shards, on one Redis or spread over a Redis Cluster. */
  shards: readonly QueueShard[];
  clock: Clock;
  random: Random;
  /** Payloads over this many bytes (as JSON) are refused (default 4 MiB). */
  maxPayloadBytes?: number;
  /** Attempts for items that do not say (default 5). */
  defaultMaxAttempts?: number;
}

/** The queue: validates and scores items, and routes each account to its shard. */
export class Queue {
  readonly shards: readonly QueueShard[];
  readonly clock: Clock;
  readonly random: Random;
  private readonly maxPayloadBytes: number;
  private readonly defaultMaxAttempts: number;

  constructor(opts: QueueOptions) {
    if (!Array.isArray(opts.shards) || opts.shards.length === 0)
      throw new InvalidOptionError('shards', 'must hold at least one shard');
    const names = new Set(opts.shards.map((s) => s.name));
    if (names.size !== opts.shards.length)
      throw new InvalidOptionError('shards', 'must have distinct names');
    this.shards = opts.shards;
    this.clock = opts.clock;
    this.random = opts.random;
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    checkIntOption('maxPayloadBytes', this.maxPayloadBytes, 1);
    this.defaultMaxAttempts = opts.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    checkIntOption('defaultMaxAttempts', this.defaultMaxAttempts, 1);
  }

  /** The shard that holds an account's items (system items without an account: their queue's). */
  shardFor(routingKey: string): QueueShard {
    return this.shards[shardIndexFor(routingKey, this.shards.length)] as QueueShard;
  }

  /** Validates, scores and stores an item. Throws InvalidItemError on bad input. */
  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    const item = this.buildItem(input);
    return await this.shardFor(routingKeyOf(item)).enqueue(item);
  }

  /** The item an input describes, as it would be stored; throws InvalidItemError on bad input. */
  buildItem(input: EnqueueInput): QueueItem {
    const v = validateEnqueueInput(input, this.maxPayloadBytes);
    const now = this.clock.now();
    const times = itemTimes(v.kind, input.at ?? now, input.priorityFactorS ?? 0, input.runId, now);
    const item: QueueItem = {
      id: input.id ?? ulid(now, this.random),
      kind: v.kind,
      partitionId: v.partition.id,
      at: times.at,
      wallTimeMs: times.wallTimeMs,
      score: times.score,
      attempt: 0,
      maxAttempts: input.maxAttempts ?? this.defaultMaxAttempts,
      priorityFactorS: input.priorityFactorS ?? 0,
      customKeys: v.customKeys,
      generation: 1,
      scavengeCount: 0,
      enqueuedAt: now,
    };
    if (input.accountId !== undefined) item.accountId = input.accountId;
    if (input.functionId !== undefined) item.functionId = input.functionId;
    if (input.envId !== undefined) item.envId = input.envId;
    if (input.runId !== undefined) item.runId = input.runId;
    if (input.queueName !== undefined) item.queueName = input.queueName;
    if (v.throttle) item.throttle = v.throttle;
    if (v.payloadJson !== undefined) item.payloadJson = v.payloadJson;
    if (input.idempotencyTtlMs !== undefined) item.idempotencyTtlMs = input.idempotencyTtlMs;
    return item;
  }

  /** The shard an existing item lives on. */
  shardOf(item: QueueItem): QueueShard {
    return this.shardFor(routingKeyOf(item));
  }
}

/** Items route by account; system items without one route by their queue name. */
export function routingKeyOf(item: Pick<QueueItem, 'accountId' | 'queueName'>): string {
  return item.accountId ?? `queue:${item.queueName as string}`;
}
