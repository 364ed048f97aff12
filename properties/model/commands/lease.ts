import { expect } from 'vitest';
import { cover, describeModel, predictLease, type Model } from '../model.js';
import { checkAgainstModel, granted, LEASE_MS, realItem, type Cmd, type Real } from '../real.js';

export class Lease implements Cmd {
  constructor(readonly i: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const expected = predictLease(m, id);
    const res = await r.shard.lease(await realItem(r, this.i), {
      durationMs: LEASE_MS,
      limits: m.limits,
    });
    expect(res.ok ? 'ok' : res.reason, describeModel(m)).toBe(expected);
    cover(m, `lease:${expected}`);
    if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `lease(id${this.i})`;
}
