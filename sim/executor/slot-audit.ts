import type { Redis } from 'ioredis';
import { ShardKeys } from '../../src/internal.js';
import type { FlowAuditor } from './flow-auditor.js';

type Fail = (invariant: string, message: string) => void;

/**
 * No slot leak, on a full read of the executor's shard (every run audit, so also after the heal
 * and at the end): an in-progress set (an account's, a function's, a custom key's) holds only
 * items that still exist, and a custom key's set none of a run that has ended. Every path that
 * removes an item releases its slots in the same script; an entry left behind would hold its
 * slot until its lease expiry (a keyed run's last step kept its key's slot that way).
 * `ended`: the runs the same audit read as terminal.
 */
export async function auditSlots(
  flow: FlowAuditor,
  raw: Redis,
  shard: string,
  ended: ReadonlySet<string>,
  fail: Fail,
): Promise<void> {
  const keys = new ShardKeys(shard);
  const sets = flow.inProgressSets();
  const named: { key: string; label: string; custom: boolean }[] = [
    ...[...sets.accounts].map((a) => ({ key: keys.inProgressAccount(a), label: `account ${a}` })),
    ...[...sets.partitions].map((p) => ({
      key: keys.inProgressPartition(p),
      label: `partition ${p}`,
    })),
  ].map((s) => ({ ...s, custom: false }));
  for (const c of sets.customKeys)
    named.push({ key: keys.inProgressCustom(c), label: `custom key ${c}`, custom: true });
  const pipe = raw.pipeline();
  pipe.hkeys(keys.items());
  for (const s of named) pipe.zrange(s.key, 0, -1);
  const replies = (await pipe.exec()) ?? [];
  const items = new Set(replies[0]![1] as string[]);
  for (const [i, s] of named.entries()) {
    for (const id of replies[i + 1]![1] as string[]) {
      const item = flow.items.get(id);
      if (!items.has(id))
        return fail(
          'slot-leak',
          `the in-progress set of ${s.label} holds ${item?.kind ?? 'an'} item ${id}${item?.runId ? ` of run ${item.runId}` : ''}, which no longer exists`,
        );
      if (s.custom && item?.runId !== undefined && ended.has(item.runId) && item.kind !== 'finish')
        return fail(
          'slot-leak',
          `the in-progress set of ${s.label} holds ${item.kind} item ${id} of run ${item.runId}, which has ended`,
        );
    }
  }
}
