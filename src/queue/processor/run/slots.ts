import { assert } from '../../../core/assert.js';

/** Worker slots: a counting semaphore whose waiters are woken as slots free up. */
export class Slots {
  readonly size: number;
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(size: number) {
    this.size = size;
  }

  get free(): number {
    return this.size - this.used;
  }

  get busy(): number {
    return this.used;
  }

  /** Takes up to `wanted` slots; returns how many it took. */
  acquire(wanted: number): number {
    const n = Math.max(0, Math.min(wanted, this.free));
    this.used += n;
    return n;
  }

  release(n = 1): void {
    assert(n <= this.used, `Slots.release(${n}) with only ${this.used} in use`);
    this.used -= n;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves on the next release, or when `signal` aborts (at once if it already has). */
  changed(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      const waiter = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
