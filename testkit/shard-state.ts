import type { Redis } from 'ioredis';
import { decodeItem, ulidTime, type QueueItem, type ShardKeys } from '../src/internal.js';

/** Everything a shard holds, read straight from Redis (standalone test servers only). */
export interface ShardState {
  items: Map<string, QueueItem>;
  leases: Map<string, string>;
  ready: Map<string, Map<string, number>>;
  leased: Map<string, Map<string, number>>;
  partitions: Map<string, Record<string, unknown>>;
  global: Map<string, number>;
  accounts: Map<string, number>;
  accountPartitions: Map<string, Map<string, number>>;
  scavenger: Map<string, number>;
  inProgress: Map<string, Map<string, number>>;
}

/** ZRANGE … WITHSCORES rows as member -> score. */
function zmapOf(rows: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < rows.length; i += 2) m.set(rows[i]!, Number(rows[i + 1]));
  return m;
}

/**
 * A hash's entries sorted by field. (A bare `.sort()` of the pairs compares them as strings:
 * it builds a "field,value" string, item JSON included, for every comparison.)
 */
function byField(hash: Record<string, string>): [string, string][] {
  return Object.entries(hash).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The sorted sets readShardState keeps, by the key's kind after the shard prefix. */
const ZSET_KINDS = ['ready:', 'leased:', 'inprog:', 'account:'];

export async function readShardState(raw: Redis, keys: ShardKeys): Promise<ShardState> {
  // Sorted: KEYS and HGETALL order depends on the server's hash seed; reports must not.
  const all = (await raw.keys(`${keys.prefix}:*`)).sort();
  const rest = (key: string) => key.slice(keys.prefix.length + 1);
  const zsets = all.filter((key) => ZSET_KINDS.some((kind) => rest(key).startsWith(kind)));
  // Everything else in one pipeline: one round trip instead of one per key.
  const pipe = raw
    .pipeline()
    .hgetall(keys.items())
    .hgetall(keys.leases())
    .hgetall(keys.partitions());
  for (const key of [keys.globalPartitions(), keys.accounts(), keys.scavenger(), ...zsets])
    pipe.zrange(key, 0, -1, 'WITHSCORES');
  const replies = ((await pipe.exec()) ?? []).map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
  const [items, leases, partitions] = replies.slice(0, 3) as Record<string, string>[];
  const [global, accounts, scavenger, ...zsetRows] = (replies.slice(3) as string[][]).map(zmapOf);
  const state: ShardState = {
    items: new Map(byField(items!).map(([id, j]) => [id, decodeItem(j)] as const)),
    leases: new Map(byField(leases!)),
    partitions: new Map(
      byField(partitions!).map(
        ([id, j]) => [id, JSON.parse(j) as Record<string, unknown>] as const,
      ),
    ),
    ready: new Map(),
    leased: new Map(),
    global: global!,
    accounts: accounts!,
    accountPartitions: new Map(),
    scavenger: scavenger!,
    inProgress: new Map(),
  };
  zsets.forEach((key, i) => {
    const members = zsetRows[i]!;
    const r = rest(key);
    if (r.startsWith('ready:')) state.ready.set(r.slice(6), members);
    else if (r.startsWith('leased:')) state.leased.set(r.slice(7), members);
    else if (r.startsWith('inprog:')) state.inProgress.set(key, members);
    else state.accountPartitions.set(r.split(':')[1] as string, members);
  });
  return state;
}

/**
 * The correctness contract's structural points, checked on one snapshot at time `now`:
 * single home, scavenger pointer, pointer reachability, in-progress sets = live leases.
 * Returns the violations (empty when none).
 */
export function shardViolations(
  s: ShardState,
  keys: ShardKeys,
  now: number,
  slackMs = 0,
  /** The longest a partition may legitimately be hidden: lease or force (default: unbounded). */
  deferralMsMax = Infinity,
): string[] {
  const v: string[] = [];
  const homes = new Map<string, number>();
  for (const members of s.ready.values())
    for (const id of members.keys()) homes.set(id, (homes.get(id) ?? 0) + 1);
  for (const [pid, members] of s.leased) {
    for (const id of members.keys()) {
      homes.set(id, (homes.get(id) ?? 0) + 1);
      if (!s.leases.has(id) && s.items.has(id))
        v.push(`leased item ${id} in ${pid} has no lease entry`);
    }
  }
  for (const [id, item] of s.items) {
    if ((homes.get(id) ?? 0) !== 1)
      v.push(`single home: item ${id} has ${homes.get(id) ?? 0} homes`);
    const inReady = s.ready.get(item.partitionId)?.has(id) ?? false;
    const inLeased = s.leased.get(item.partitionId)?.has(id) ?? false;
    if (!inReady && !inLeased) v.push(`item ${id} is not in its own partition ${item.partitionId}`);
    if (inReady && s.leases.has(id)) v.push(`ready item ${id} still has a lease entry`);
    const lease = s.leases.get(id);
    if (inLeased && lease && s.leased.get(item.partitionId)?.get(id) !== ulidTime(lease)) {
      v.push(`leased item ${id}: index score != lease expiry`);
    }
  }
  for (const id of homes.keys())
    if (!s.items.has(id)) v.push(`dangling member ${id} without an item`);
  for (const [pid, members] of s.leased) {
    const min = Math.min(...members.values());
    if (members.size > 0 && s.scavenger.get(pid) !== min)
      v.push(`scavenger pointer of ${pid} is ${s.scavenger.get(pid)}, want ${min}`);
  }
  for (const pid of s.scavenger.keys())
    if (!s.leased.get(pid)?.size) v.push(`scavenger lists ${pid} with no leased item`);
  v.push(...pointerViolations(s, now, slackMs, deferralMsMax));
  v.push(...inProgressViolations(s, keys, now));
  return v;
}

/** slackMs: how far ahead of `now` a process clock may run (pointers are set with its clock). */
function pointerViolations(
  s: ShardState,
  now: number,
  slackMs: number,
  deferralMsMax: number,
): string[] {
  const v: string[] = [];
  const pids = new Set(
    [...s.ready.keys(), ...s.leased.keys()].filter(
      (p) => (s.ready.get(p)?.size ?? 0) + (s.leased.get(p)?.size ?? 0) > 0,
    ),
  );
  for (const pid of pids) {
    const meta = s.partitions.get(pid);
    if (!meta) {
      v.push(`partition ${pid} holds items but has no metadata`);
      continue;
    }
    const ready = s.ready.get(pid);
    if (!ready || ready.size === 0) continue;
    const pointer = s.global.get(pid);
    if (pointer === undefined) {
      v.push(`partition ${pid} has ready items but no global pointer`);
      continue;
    }
    const earliest = Math.min(...ready.values());
    const leaseExpiry = typeof meta['leaseId'] === 'string' ? ulidTime(meta['leaseId']) : 0;
    const forcedUntil = typeof meta['forcedUntil'] === 'number' ? meta['forcedUntil'] : 0;
    // A lease or a force only excuses a pointer up to the longest deferral the product makes:
    // a force set far too late must not hide due work forever.
    const cap = now + deferralMsMax;
    const bound =
      Math.max(earliest, now, Math.min(leaseExpiry, cap), Math.min(forcedUntil, cap)) + slackMs;
    if (pointer > bound)
      v.push(`partition ${pid} pointer ${pointer} is later than ${bound}: due work unreachable`);
    const account = meta['a'];
    if (typeof account === 'string' && meta['q'] === undefined) {
      if (s.accountPartitions.get(account)?.get(pid) !== pointer)
        v.push(`account index of ${account} disagrees on ${pid}`);
    }
  }
  for (const pid of s.partitions.keys())
    if (!pids.has(pid)) v.push(`empty partition ${pid} was not collected`);
  for (const pid of s.global.keys())
    if (!s.partitions.has(pid)) v.push(`global pointer to missing partition ${pid}`);
  for (const [account, parts] of s.accountPartitions) {
    if (parts.size === 0) continue;
    const min = Math.min(...parts.values());
    if (s.accounts.get(account) !== min)
      v.push(`accounts index: ${account} is ${s.accounts.get(account)}, want ${min}`);
  }
  return v;
}

function inProgressViolations(s: ShardState, keys: ShardKeys, now: number): string[] {
  const v: string[] = [];
  const expected = new Map<string, Map<string, number>>();
  const add = (key: string, id: string, expiry: number): void => {
    if (!expected.has(key)) expected.set(key, new Map());
    expected.get(key)?.set(id, expiry);
  };
  for (const [id, lease] of s.leases) {
    const expiry = ulidTime(lease);
    const item = s.items.get(id);
    if (!item || expiry <= now) continue;
    add(keys.inProgressPartition(item.partitionId), id, expiry);
    if (item.queueName === undefined && item.accountId)
      add(keys.inProgressAccount(item.accountId), id, expiry);
    for (const ck of item.customKeys) add(keys.inProgressCustom(ck.canonical), id, expiry);
  }
  const allKeys = new Set([...expected.keys(), ...s.inProgress.keys()]);
  for (const key of allKeys) {
    const live = new Map(
      [...(s.inProgress.get(key) ?? new Map<string, number>())].filter(([, e]) => e > now),
    );
    const want = expected.get(key) ?? new Map<string, number>();
    for (const [id, e] of want)
      if (live.get(id) !== e)
        v.push(`${key}: leased ${id} (expiry ${e}) counted as ${live.get(id)}`);
    for (const id of live.keys())
      if (!want.has(id)) v.push(`${key}: ${id} counted but holds no live lease`);
  }
  return v;
}

/** Fails the test with every violation listed. */
export async function expectHealthy(raw: Redis, keys: ShardKeys, now: number): Promise<ShardState> {
  const state = await readShardState(raw, keys);
  const violations = shardViolations(state, keys, now);
  if (violations.length > 0)
    throw new Error(`shard invariants violated:\n  ${violations.join('\n  ')}`);
  return state;
}
