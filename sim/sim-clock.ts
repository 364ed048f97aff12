import type { Clock } from '../src/index.js';
import type { Scheduler } from './scheduler.js';

/** A process's clock: virtual time plus the process's skew; sleeps are scheduler events. */
export class SimClock implements Clock {
  constructor(
    private readonly scheduler: Scheduler,
    readonly owner: string,
    readonly skewMs: number,
    /** False once the process has crashed: its sleeps never wake. */
    private readonly alive: () => boolean,
  ) {}

  now(): number {
    return this.scheduler.now + this.skewMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve();
      };
      signal?.addEventListener('abort', finish, { once: true });
      const at = this.scheduler.now + Math.max(0, Math.ceil(ms));
      this.scheduler.schedule(
        at,
        this.owner,
        () => {
          signal?.removeEventListener('abort', finish);
          if (this.alive()) finish();
        },
        { productOnly: true },
      );
    });
  }
}
