import { createHash } from 'node:crypto';
import { assertKeyPart, KeyNamespace } from '../redis/key-namespace.js';

/**
 * The Redis keys of event batches (batchEvents, reference §11.2), on the queue shard of the
 * account (same hash tag as its runs and items), so that one script appends an event and
 * enqueues the batch's timer at once. A batch's own data lives in two shard-wide hashes, by
 * batch ID in the field, so that every key an append touches is known before it runs.
 */
export class BatchKeys {
  private readonly ns: KeyNamespace;

  constructor(shard: string) {
    this.ns = new KeyNamespace(shard);
  }

  /** STRING: the ID of the open batch of a function and batch key (absent: none open). */
  pointer(functionId: string, batchKey: string): string {
    return this.ns.key('batch-ptr', hashOf(`${functionId}\u0000${batchKey}`));
  }
  /** STRING '<batchId>|<expiry ms>': the batch an event of a function went into (dedupe). */
  eventSeen(functionId: string, eventId: string): string {
    assertKeyPart('event ID', eventId);
    return this.ns.key('batch-seen', hashOf(functionId), eventId);
  }
  /** HASH batchId -> batch JSON `{fn, n, b, s}` (function, events, bytes, 'open' | 'closed'). */
  batches(): string {
    return this.ns.key('batches');
  }
  /** HASH '<batchId>/<i>' -> the i-th event's JSON (1-based). */
  batchEvents(): string {
    return this.ns.key('batch-events');
  }
}

function hashOf(value: string): string {
  return createHash('sha1').update(value).digest('hex');
}
