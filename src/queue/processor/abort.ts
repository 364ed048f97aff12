/**
 * The reason internal wake-ups and stops abort with. `abort()` without a reason builds a
 * DOMException with a stack trace each call, even on a signal that has already aborted; the
 * processor aborts about twice per item, so that cost dominated the client's CPU in the drain.
 */
const QUIET_REASON = Object.freeze(new Error('stopped by the processor'));

/** Aborts `controller` once, with the shared reason (no DOMException, no stack trace). */
export function abortQuietly(controller: AbortController): void {
  if (!controller.signal.aborted) controller.abort(QUIET_REASON);
}

/**
 * An abort that makes its AbortSignal only when someone asks for it: most handlers never read
 * ctx.signal, and an AbortController per item was a large share of the client's CPU.
 */
export class LazyAbort {
  private controller: AbortController | null = null;
  private done = false;
  private why: unknown = undefined;

  get aborted(): boolean {
    return this.done;
  }

  get reason(): unknown {
    return this.why;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.done) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.done) return;
    this.done = true;
    this.why = reason;
    this.controller?.abort(reason);
  }
}
