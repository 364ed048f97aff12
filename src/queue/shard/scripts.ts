import { countItemsScript } from './countItems.js';
import { dequeueScript } from './dequeue.js';
import { dequeueBatchScript } from './dequeueBatch.js';
import { enqueueScript } from './enqueue.js';
import { extendLeaseScript } from './extendLease.js';
import { leaseScript } from './lease.js';
import { leaseBatchScript } from './leaseBatch.js';
import { partitionLeaseScript } from './partitionLease.js';
import { partitionPassScript } from './partitionPass.js';
import { partitionPeekScript } from './partitionPeek.js';
import { partitionRequeueScript } from './partitionRequeue.js';
import { peekScript } from './peek.js';
import { peekByScoreScript } from './peekByScore.js';
import { requeueScript } from './requeue.js';
import { roleLeaseScript } from './roleLease.js';
import { scavengePartitionScript } from './scavengePartition.js';

/** Every queue script's spec, by script name (a test checks this covers lua/queue/). */
export const QUEUE_SCRIPTS = {
  enqueue: enqueueScript,
  peek: peekScript,
  peekByScore: peekByScoreScript,
  partitionPeek: partitionPeekScript,
  partitionLease: partitionLeaseScript,
  partitionRequeue: partitionRequeueScript,
  partitionPass: partitionPassScript,
  lease: leaseScript,
  leaseBatch: leaseBatchScript,
  extendLease: extendLeaseScript,
  dequeue: dequeueScript,
  dequeueBatch: dequeueBatchScript,
  requeue: requeueScript,
  scavengePartition: scavengePartitionScript,
  roleLease: roleLeaseScript,
  countItems: countItemsScript,
} as const;
export type QueueScriptName = keyof typeof QUEUE_SCRIPTS;
