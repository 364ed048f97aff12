import { expect } from 'vitest';
import { cover, predictEnqueue, type Model } from '../model.js';
import { checkAgainstModel, inputFor, type Cmd, type Real } from '../real.js';

export class Enqueue implements Cmd {
  constructor(
    readonly i: number,
    readonly offsetMs: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const expected = predictEnqueue(m, id);
    const res = await r.queue.enqueue({ ...inputFor(this.i), at: m.now + this.offsetMs });
    expect(res.status).toBe(expected);
    cover(m, `enqueue:${expected}`);
    if (expected === 'enqueued') {
      const input = inputFor(this.i);
      m.tombstones.delete(id);
      m.items.set(id, {
        id,
        pid: `fn:${input.accountId}:${input.functionId}`,
        account: input.accountId as string,
        customKey: input.customKeys ? `a:${input.accountId}:k` : null,
        customLimit: 1,
        score: m.now + this.offsetMs,
        attempt: 0,
        generation: 1,
        home: 'ready',
        lease: null,
        pastLeases: [],
      });
    }
    await checkAgainstModel(m, r);
  }
  toString = () => `enqueue(id${this.i}, +${this.offsetMs})`;
}
