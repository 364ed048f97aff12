import { setTimeout as sleep } from 'node:timers/promises';
import type { DequeueEntry, QueueItem, QueueScriptName } from '../../src/internal.js';
import { check, LEASE_MS, LIMITS, type Target } from './fixture.js';

/** Items per leaseBatch, dequeueBatch and peek call: the scanner's smallest pass (BATCH_MIN). */
export const BATCH = 16;
/** The processor's defaults for a scan: partitionPeekMax, accountPeekMax, lookaheadMs. */
const PARTITION_PEEK = 300;
const ACCOUNT_PEEK = 30;
const LOOKAHEAD_MS = 1000;

/**
 * One script's benchmark: `call` runs the script exactly once (the probe times that one call);
 * the hooks, untimed, create the state it needs and undo what it did.
 */
export interface MicroCase {
  /** What one call does, as far as its cost goes. */
  detail: string;
  call(): Promise<void>;
  /** Once per phase (warmup, run). */
  beforeAll?(): Promise<void>;
  beforeEach?(): Promise<void>;
  afterEach?(): Promise<void>;
  afterAll?(): Promise<void>;
}

function enqueue(t: Target): MicroCase {
  let item: QueueItem;
  return {
    detail: 'one item, existing partition',
    beforeEach: async () => void (item = t.fresh()),
    call: () => t.enqueue(item),
    afterEach: () => t.cancel(item),
  };
}

function peek(t: Target): MicroCase {
  return {
    detail: `${BATCH} ready items of the partition`,
    call: async () => {
      const untilMs = Date.now() + LOOKAHEAD_MS;
      check('peek', (await t.shard.peek(t.partition, untilMs, BATCH)).length === BATCH);
    },
  };
}

function peekByScore(t: Target): MicroCase {
  return {
    detail: `accounts index, limit ${ACCOUNT_PEEK}, random window`,
    call: async () => {
      const untilMs = Date.now() + LOOKAHEAD_MS;
      const r = await t.shard.peekAccounts({ untilMs, limit: ACCOUNT_PEEK, order: 'random' });
      check('peekByScore', r.accounts.length > 0);
    },
  };
}

function partitionPeek(t: Target): MicroCase {
  return {
    detail: `global index, limit ${PARTITION_PEEK}, random window`,
    call: async () => {
      const untilMs = Date.now() + LOOKAHEAD_MS;
      const r = await t.shard.peekPartitions({ untilMs, limit: PARTITION_PEEK, order: 'random' });
      check('partitionPeek', r.partitions.length > 0);
    },
  };
}

function partitionLease(t: Target): MicroCase {
  let leaseId = '';
  return {
    detail: 'free partition, 4 s lease',
    call: async () => {
      const r = await t.shard.leasePartition(t.partition, 4000);
      if (!r.ok) throw new Error(`partitionLease refused: ${r.reason}`);
      leaseId = r.leaseId;
    },
    afterEach: async () => {
      const r = await t.shard.requeuePartition(t.partition, { at: Date.now(), leaseId });
      check('partitionRequeue', r === 'ok');
    },
  };
}

function partitionRequeue(t: Target): MicroCase {
  let leaseId = '';
  return {
    detail: 'leased partition, fenced, not forced',
    beforeEach: async () => {
      const r = await t.shard.leasePartition(t.partition, 4000);
      if (!r.ok) throw new Error(`partitionLease refused: ${r.reason}`);
      leaseId = r.leaseId;
    },
    call: async () => {
      const r = await t.shard.requeuePartition(t.partition, { at: Date.now() + 30_000, leaseId });
      check('partitionRequeue', r === 'ok');
    },
  };
}

function partitionPass(t: Target): MicroCase {
  let leased: { item: QueueItem; leaseId: string }[] = [];
  return {
    detail: `whole scanner pass: ${BATCH} ready items, limits`,
    call: async () => {
      const now = Date.now();
      const r = await t.shard.passPartition(t.partition, {
        want: BATCH,
        untilMs: now + LOOKAHEAD_MS,
        leaseMs: LEASE_MS,
        limits: LIMITS,
        concurrencyRequeueMs: 5000,
        requeueAt: now + 30_000,
      });
      leased = r.status === 'ok' ? r.leased : [];
      check('partitionPass', leased.length === BATCH);
    },
    afterEach: async () => {
      await Promise.all(leased.map((l) => t.release(l.item, l.leaseId)));
    },
  };
}

function lease(t: Target): MicroCase {
  let item: QueueItem;
  let leaseId = '';
  return {
    detail: 'one ready item, account and function limits',
    beforeEach: async () => void (item = t.next()),
    call: async () => void (leaseId = await t.lease(item)),
    afterEach: () => t.release(item, leaseId),
  };
}

function leaseBatch(t: Target): MicroCase {
  let items: QueueItem[] = [];
  let leaseIds: string[] = [];
  return {
    detail: `${BATCH} ready items, limits, fifo`,
    beforeEach: async () => void (items = Array.from({ length: BATCH }, () => t.next())),
    call: async () => {
      const rs = await t.shard.leaseBatch(items, { durationMs: LEASE_MS, limits: LIMITS });
      leaseIds = rs.map((r) => (r.ok ? r.leaseId : ''));
      check(
        'leaseBatch',
        leaseIds.every((id) => id !== ''),
      );
    },
    afterEach: async () => {
      await Promise.all(items.map((item, i) => t.release(item, leaseIds[i] as string)));
    },
  };
}

function extendLease(t: Target): MicroCase {
  let item: QueueItem;
  let leaseId = '';
  return {
    detail: 'live lease, renewed for 30 s',
    beforeAll: async () => {
      item = t.next();
      leaseId = await t.lease(item);
    },
    call: async () => {
      const r = await t.shard.extendLease(item, leaseId, LEASE_MS);
      if (!r.ok) throw new Error(`extendLease refused: ${r.reason}`);
      leaseId = r.leaseId;
    },
    afterAll: () => t.release(item, leaseId),
  };
}

function dequeue(t: Target): MicroCase {
  let item: QueueItem;
  let leaseId = '';
  return {
    detail: 'leased item, partition keeps others',
    beforeEach: async () => {
      item = t.fresh();
      await t.enqueue(item);
      leaseId = await t.lease(item);
    },
    call: async () => check('dequeue', (await t.shard.dequeue(item, leaseId)).ok),
  };
}

function dequeueBatch(t: Target): MicroCase {
  let entries: DequeueEntry[] = [];
  return {
    detail: `${BATCH} leased items of one partition`,
    beforeEach: async () => {
      const items = Array.from({ length: BATCH }, () => t.fresh());
      await Promise.all(items.map((item) => t.enqueue(item)));
      const rs = await t.shard.leaseBatch(items, { durationMs: LEASE_MS, limits: LIMITS });
      entries = rs.map((r, i) => ({ item: items[i] as QueueItem, leaseId: r.ok ? r.leaseId : '' }));
      check(
        'leaseBatch',
        entries.every((e) => e.leaseId !== ''),
      );
    },
    call: async () => {
      const rs = await t.shard.dequeueBatch(entries);
      check(
        'dequeueBatch',
        rs.every((r) => r.ok),
      );
    },
  };
}

function requeue(t: Target): MicroCase {
  let item: QueueItem;
  let leaseId = '';
  return {
    detail: 'leased item, retry in 1 s, counts an attempt',
    beforeEach: async () => {
      item = t.next();
      leaseId = await t.lease(item);
    },
    call: async () => {
      const at = Date.now() + 1000;
      check('requeue', (await t.shard.requeue(item, leaseId, { at, consumeAttempt: true })).ok);
    },
  };
}

function scavengePartition(t: Target): MicroCase {
  let item: QueueItem;
  return {
    detail: 'one expired lease in the partition',
    beforeEach: async () => {
      item = t.next();
      await t.lease(item, 1);
      await sleep(2); // past the 1 ms lease (graceMs is 0)
    },
    call: async () => {
      const r = await t.shard.scavenge();
      check('scavengePartition', r.itemIds.length === 1 && r.itemIds[0] === item.id);
    },
  };
}

function roleLease(t: Target): MicroCase {
  let leaseId: string | null = null;
  return {
    detail: 'renewal by the holder',
    call: async () => {
      const r = await t.shard.leaseRole('micro', 3000, leaseId);
      if (!r.ok) throw new Error('roleLease refused');
      leaseId = r.leaseId;
    },
  };
}

function countItems(t: Target): MicroCase {
  return {
    detail: 'HLEN of the items hash (the health check and queue depth)',
    call: async () => check('countItems', (await t.shard.countItems()) > 0),
  };
}

/** A benchmark for every script (runMicro runs them in SCRIPT_NAMES order). */
export const CASES: Readonly<Record<QueueScriptName, (t: Target) => MicroCase>> = {
  enqueue,
  peek,
  peekByScore,
  partitionPeek,
  partitionLease,
  partitionRequeue,
  partitionPass,
  lease,
  leaseBatch,
  extendLease,
  dequeue,
  dequeueBatch,
  requeue,
  scavengePartition,
  roleLease,
  countItems,
};
