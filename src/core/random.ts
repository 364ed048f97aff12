import { InvalidOptionError } from './errors.js';
import { randomBytes } from 'node:crypto';
import seedrandom from 'seedrandom';

/** A source of uniform randomness: seeded in tests and the simulator, from the OS otherwise. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

class SeededRandom implements Random {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  next(): number {
    return this.prng();
  }

  int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0) {
      throw new InvalidOptionError(
        'maxExclusive',
        `must be a positive integer, got ${maxExclusive}`,
      );
    }
    return Math.floor(this.prng() * maxExclusive);
  }
}

/** A reproducible generator: the same seed gives the same sequence. */
export function seededRandom(seed: string | number): Random {
  return new SeededRandom(String(seed));
}

/** A generator seeded from the operating system, for production. */
export function systemRandom(): Random {
  return new SeededRandom(randomBytes(16).toString('hex'));
}
