import type { Logger } from './options.js';

/**
 * Tracks one kind of failure (Redis unreachable): backs off from 50 ms doubling to `maxMs`, logs
 * once when an outage starts and once when it ends.
 */
export class Outage {
  private failures = 0;
  private readonly what: string;
  private readonly log: Logger;
  private readonly maxMs: number;

  constructor(what: string, log: Logger, maxMs = 5000) {
    this.what = what;
    this.log = log;
    this.maxMs = maxMs;
  }

  /** Records a failure; returns how long to wait before trying again. */
  failed(err: unknown): number {
    if (this.failures === 0) {
      this.log('warn', `${this.what}: failing, backing off until it recovers`, {
        error: String(err),
      });
    }
    this.failures++;
    return Math.min(this.maxMs, 50 * 2 ** Math.min(this.failures - 1, 10));
  }

  succeeded(): void {
    if (this.failures > 0)
      this.log('info', `${this.what}: recovered after ${this.failures} failed attempts`);
    this.failures = 0;
  }

  get failing(): boolean {
    return this.failures > 0;
  }
}
