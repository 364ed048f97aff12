import type { Model } from '../model.js';
import { checkAgainstModel, type Cmd, type Real } from '../real.js';

export class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.clock.advance(this.ms);
    m.now += this.ms;
    await checkAgainstModel(m, r);
  }
  toString = () => `advance(${this.ms})`;
}
