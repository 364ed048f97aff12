/** A partition: a function's ready queue, or a system queue by name. */
export interface PartitionRef {
  /** 'fn:<accountId>:<functionId>' or 'sys:<queueName>'. */
  id: string;
  /** The account whose indexes list it; none for system queues. */
  accountId?: string;
  functionId?: string;
  envId?: string;
  queueName?: string;
}

/** A partition as a peek sees it. */
export interface PartitionInfo extends PartitionRef {
  /** Its score in the index it was peeked from, ms. */
  score: number;
  leaseId?: string;
  lastLeasedAt?: number;
  forcedUntil?: number;
  /** Some item of it carried a custom concurrency key or a throttle (see partitionPass). */
  constrained?: boolean;
}

/**
 * A function partition is keyed by account and function, so two accounts that happen to share a
 * function ID never share a partition, a limit or a throttle. IDs hold no ':', so this parses.
 */
export function functionScopeId(accountId: string, functionId: string): string {
  return `${accountId}:${functionId}`;
}

export function functionPartitionId(accountId: string, functionId: string): string {
  return `fn:${functionScopeId(accountId, functionId)}`;
}

export function systemPartitionId(queueName: string): string {
  return `sys:${queueName}`;
}

interface StoredPartition {
  id: string;
  a?: string;
  f?: string;
  e?: string;
  q?: string;
  leaseId?: string;
  last?: number;
  forceAt?: number;
  /** 1: an item with custom keys or a throttle was enqueued here. */
  c?: number;
}

export function encodePartition(p: PartitionRef, constrained = false): string {
  const stored: StoredPartition = {
    id: p.id,
    a: p.accountId,
    f: p.functionId,
    e: p.envId,
    q: p.queueName,
    c: constrained ? 1 : undefined,
  };
  return JSON.stringify(stored);
}

export function decodePartition(json: string, score: number): PartitionInfo {
  const s = JSON.parse(json) as StoredPartition;
  const info: PartitionInfo = { id: s.id, score };
  if (s.a !== undefined) info.accountId = s.a;
  if (s.f !== undefined) info.functionId = s.f;
  if (s.e !== undefined) info.envId = s.e;
  if (s.q !== undefined) info.queueName = s.q;
  if (s.leaseId !== undefined) info.leaseId = s.leaseId;
  if (s.last !== undefined) info.lastLeasedAt = s.last;
  if (s.forceAt !== undefined) info.forcedUntil = s.forceAt;
  if (s.c) info.constrained = true;
  return info;
}
