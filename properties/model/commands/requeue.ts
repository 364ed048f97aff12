import { expect } from 'vitest';
import { predictFence, type Model } from '../model.js';
import { checkAgainstModel, pickLease, realItem, type Cmd, type Real } from '../real.js';

export class Requeue implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale',
    readonly offsetMs: number,
    readonly consume: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const leaseId = pickLease(m, id, this.which);
    const expected = predictFence(m, id, leaseId);
    const res = await r.shard.requeue(await realItem(r, this.i), leaseId, {
      at: m.now + this.offsetMs,
      consumeAttempt: this.consume,
    });
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) {
      const item = m.items.get(id)!;
      item.pastLeases.push(item.lease!);
      Object.assign(item, {
        home: 'ready',
        lease: null,
        score: m.now + this.offsetMs,
        generation: item.generation + 1,
      });
      if (this.consume) item.attempt++;
    }
    await checkAgainstModel(m, r);
  }
  toString = () =>
    `requeue(id${this.i}, ${this.which}, +${this.offsetMs}, consume=${this.consume})`;
}
