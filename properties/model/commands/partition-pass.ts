import { expect } from 'vitest';
import { ulidTime } from '../../../src/internal.js';
import type { Model } from '../model.js';
import { checkAgainstModel, PARTITIONS, partitionRef, type Cmd, type Real } from '../real.js';

export class PartitionPass implements Cmd {
  constructor(
    readonly p: number,
    readonly force: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const pid = PARTITIONS[this.p]!;
    const ref = partitionRef(pid);
    const exists = [...m.items.values()].some((i) => i.pid === pid);
    const held = m.partitionLeases.get(pid);
    const res = await r.shard.leasePartition(ref, 1000);
    const expected = !exists
      ? 'not-found'
      : held && ulidTime(held) + m.graceMs > m.now
        ? 'already-leased'
        : 'ok';
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) {
      m.partitionLeases.set(pid, res.leaseId);
      expect(
        await r.shard.requeuePartition(ref, {
          at: m.now + 500,
          force: this.force,
          leaseId: res.leaseId,
        }),
      ).toBe('ok');
      m.partitionLeases.delete(pid);
    }
    await checkAgainstModel(m, r);
  }
  toString = () => `partitionPass(${PARTITIONS[this.p]}, force=${this.force})`;
}
