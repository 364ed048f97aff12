import type { QueueShard } from '../queue/shard.js';
import { BatchKeys } from './batch-keys.js';
import { RunKeys } from './keys.js';
import { appendBatch, type AppendBatchInput, type AppendBatchResult } from './shard/appendBatch.js';
import { closeBatch, type ClosedBatch } from './shard/closeBatch.js';
import type { StateContext } from './shard/context.js';
import { deleteBatch } from './shard/deleteBatch.js';

/**
 * Event batches (batchEvents) on one queue shard: each operation is one script, atomic with the
 * batch's timer item (same hash tag).
 */
export class BatchStore {
  readonly keys: BatchKeys;
  private readonly ctx: StateContext;

  constructor(shard: QueueShard) {
    this.keys = new BatchKeys(shard.name);
    this.ctx = { shard: shard.context, keys: new RunKeys(shard.name) };
  }

  /** Puts an event into its function's open batch for its key (see appendBatch-11.lua). */
  append(input: AppendBatchInput): Promise<AppendBatchResult> {
    return appendBatch(this.ctx, this.keys, input);
  }
  /** Closes a batch to new events and reads it; null when it is gone. */
  close(batchId: string): Promise<ClosedBatch | null> {
    return closeBatch(this.ctx, this.keys, batchId);
  }
  /** Deletes a closed batch (once its run exists). */
  delete(batchId: string): Promise<'deleted' | 'gone' | 'open'> {
    return deleteBatch(this.ctx, this.keys, batchId);
  }
}
