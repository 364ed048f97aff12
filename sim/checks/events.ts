import {
  decodeLeaseBatchReply,
  decodeLeaseReply,
  decodePartitionLeaseReply,
  decodePartitionPassReply,
  decodeScavengeReply,
  QUEUE_SCRIPTS,
  type ScriptArg,
  type StatusName,
} from '../../src/internal.js';

/**
 * What a script call that reached Redis did, as the checkers see it: decoded from its ARGV and
 * reply by the script's spec (src/queue/shard/<script>.ts), so no checker knows an offset.
 * `processNow` is the caller's clock (its `now` ARGV), which may run ahead by its skew.
 */
export type CallEvent =
  /** Every enqueue that reached Redis, with its answer (an OK is followed by 'enqueued'). */
  | { type: 'enqueueAnswered'; itemId: string; status: StatusName; processNow: number }
  | { type: 'enqueued'; itemId: string; itemJson: string }
  | { type: 'granted'; itemId: string; leaseId: string; processNow: number }
  | {
      /** A leaseBatch or partitionPass: every item looked at, in order, with its status. */
      type: 'batch';
      script: 'leaseBatch' | 'partitionPass';
      partitionId: string;
      fifo: boolean;
      looked: { itemId: string | null; status: StatusName }[];
    }
  | { type: 'partitionLeased'; partitionId: string; leaseId: string; lastLeasedAt: number }
  | { type: 'partitionPassed'; partitionId: string; lastLeasedAt: number }
  | { type: 'partitionRequeued'; partitionId: string; leaseId: string }
  | {
      type: 'fenced';
      op: 'extend' | 'dequeue' | 'requeue';
      itemId: string;
      leaseId: string;
      processNow: number;
      newLeaseId?: string;
      /** requeue: the new score and the attempt increment. */
      at?: number;
      attemptIncrement?: number;
    }
  | { type: 'scavenged'; itemIds: string[] };

const S = QUEUE_SCRIPTS;

/** The events one script call produced (none for reads and refusals). */
export function decodeCall(script: string, raw: readonly ScriptArg[], reply: unknown): CallEvent[] {
  switch (script) {
    case 'enqueue': {
      const { args } = S.enqueue.decodeArgs(raw);
      const status = S.enqueue.status(reply);
      const answered: CallEvent = {
        type: 'enqueueAnswered',
        itemId: args.itemId,
        status,
        processNow: Number(args.now),
      };
      if (status !== 'OK') return [answered];
      return [answered, { type: 'enqueued', itemId: args.itemId, itemJson: args.itemJson }];
    }
    case 'lease': {
      const { args } = S.lease.decodeArgs(raw);
      if (decodeLeaseReply(reply).status !== 'OK') return [];
      return [granted(args.itemId, args.leaseId, args.now)];
    }
    case 'leaseBatch':
      return leaseBatchEvents(raw, reply);
    case 'partitionPass':
      return partitionPassEvents(raw, reply);
    case 'partitionLease': {
      const { args } = S.partitionLease.decodeArgs(raw);
      const r = decodePartitionLeaseReply(reply);
      if (r.status !== 'OK') return [];
      const { partitionId, leaseId } = args;
      return [{ type: 'partitionLeased', partitionId, leaseId, lastLeasedAt: r.lastLeasedAt }];
    }
    case 'partitionRequeue': {
      const { args } = S.partitionRequeue.decodeArgs(raw);
      const status = S.partitionRequeue.status(reply);
      if (status !== 'OK' && status !== 'GARBAGE_COLLECTED') return [];
      return [{ type: 'partitionRequeued', partitionId: args.partitionId, leaseId: args.leaseId }];
    }
    default:
      return fencedEvents(script, raw, reply);
  }
}

function fencedEvents(script: string, raw: readonly ScriptArg[], reply: unknown): CallEvent[] {
  switch (script) {
    case 'extendLease': {
      const { args } = S.extendLease.decodeArgs(raw);
      if (S.extendLease.status(reply) !== 'OK') return [];
      return [
        {
          type: 'fenced',
          op: 'extend',
          itemId: args.itemId,
          leaseId: args.leaseId,
          processNow: Number(args.now),
          newLeaseId: args.newLeaseId,
        },
      ];
    }
    case 'dequeue': {
      const { args } = S.dequeue.decodeArgs(raw);
      if (S.dequeue.status(reply) !== 'OK') return [];
      return [dequeued(args.itemId, args.leaseId, args.now)];
    }
    case 'dequeueBatch': {
      const { args, entries } = S.dequeueBatch.decodeArgs(raw);
      const codes = reply as unknown[];
      return entries.flatMap((e, i) =>
        S.dequeueBatch.entryStatus(codes[i]) === 'OK'
          ? [dequeued(e.itemId, e.leaseId, args.now)]
          : [],
      );
    }
    case 'requeue': {
      const { args } = S.requeue.decodeArgs(raw);
      if (S.requeue.status(reply) !== 'OK') return [];
      return [
        {
          type: 'fenced',
          op: 'requeue',
          itemId: args.itemId,
          leaseId: args.leaseId,
          processNow: Number(args.now),
          at: Number(args.at),
          attemptIncrement: Number(args.attemptIncrement),
        },
      ];
    }
    case 'scavengePartition':
      return [{ type: 'scavenged', itemIds: decodeScavengeReply(reply) }];
    default:
      return [];
  }
}

function leaseBatchEvents(raw: readonly ScriptArg[], reply: unknown): CallEvent[] {
  const { args, entries } = S.leaseBatch.decodeArgs(raw);
  const results = decodeLeaseBatchReply(reply);
  const events: CallEvent[] = [
    {
      type: 'batch',
      script: 'leaseBatch',
      partitionId: args.partitionId,
      fifo: args.fifo === '1',
      looked: entries.map((e, i) => ({ itemId: e.itemId, status: results[i]!.status })),
    },
  ];
  entries.forEach((e, i) => {
    if (results[i]!.status === 'OK') events.push(granted(e.itemId, e.leaseId, args.now));
  });
  return events;
}

/** A pass reports the IDs it leased (the n-th took the n-th lease ID), not all it looked at. */
function partitionPassEvents(raw: readonly ScriptArg[], reply: unknown): CallEvent[] {
  const { args, entries } = S.partitionPass.decodeArgs(raw);
  const r = decodePartitionPassReply(reply);
  if (r.status !== 'OK') return [];
  let n = 0;
  const looked = r.looked.map((status) => ({
    itemId: status === 'OK' ? (r.ids[n++] ?? null) : null,
    status,
  }));
  const events: CallEvent[] = [
    {
      type: 'partitionPassed',
      partitionId: args.partitionId,
      lastLeasedAt: r.lastLeasedAt,
    },
    {
      type: 'batch',
      script: 'partitionPass',
      partitionId: args.partitionId,
      fifo: args.fifo === '1',
      looked,
    },
  ];
  r.ids.forEach((id, i) => events.push(granted(id, entries[i]!.leaseId, args.now)));
  return events;
}

function granted(itemId: string, leaseId: string, now: string): CallEvent {
  return { type: 'granted', itemId, leaseId, processNow: Number(now) };
}

function dequeued(itemId: string, leaseId: string, now: string): CallEvent {
  return { type: 'fenced', op: 'dequeue', itemId, leaseId, processNow: Number(now) };
}
