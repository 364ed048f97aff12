/**
 * The simulator's only source of progress: a queue of events ordered by (virtual ms, sequence).
 * Each event runs to completion, then every microtask it released drains before the next
 * event, so one seed gives one order of everything the product code does. The scheduler awaits
 * an event's promise, so only the simulator's own I/O (a real Redis call) may be awaited there:
 * an event that starts product work must not wait for it, since that work needs later events.
 */
export interface SimEvent {
  at: number;
  seq: number;
  /** The simulated process the event belongs to ('' for the simulator itself). */
  owner: string;
  run: () => void | Promise<void>;
}

export class LivelockError extends Error {
  override name = 'LivelockError';
}

export const EVENTS_PER_MS_MAX = 200_000;

export class Scheduler {
  private heap: SimEvent[] = [];
  private readonly held = new Map<string, SimEvent[]>();
  private seq = 0;
  private nowMs: number;
  private eventsThisMs = 0;
  eventsRun = 0;
  /** Returns the virtual time until which the owner is paused (events wait), or 0. */
  pausedUntil: (owner: string) => number = () => 0;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  get now(): number {
    return this.nowMs;
  }

  get pending(): number {
    return this.heap.length;
  }

  schedule(at: number, owner: string, run: () => void | Promise<void>): SimEvent {
    const ev: SimEvent = { at: Math.max(Math.round(at), this.nowMs), seq: this.seq++, owner, run };
    this.push(ev);
    return ev;
  }

  /** Runs events until virtual time passes `endMs` or `stop()` says so; returns why it stopped. */
  async runUntil(
    endMs: number,
    stop: () => boolean = () => false,
  ): Promise<'time' | 'stopped' | 'idle'> {
    for (;;) {
      if (stop()) return 'stopped';
      const ev = this.pop();
      if (!ev) return 'idle';
      if (ev.at > endMs) {
        this.push(ev);
        this.nowMs = endMs;
        return 'time';
      }
      const paused = ev.owner ? this.pausedUntil(ev.owner) : 0;
      if (paused > ev.at) {
        this.hold(ev, paused);
        continue;
      }
      if (ev.at > this.nowMs) {
        this.nowMs = ev.at;
        this.eventsThisMs = 0;
      }
      if (++this.eventsThisMs > EVENTS_PER_MS_MAX) {
        throw new LivelockError(
          `more than ${EVENTS_PER_MS_MAX} events at virtual ms ${this.nowMs}`,
        );
      }
      this.eventsRun++;
      await ev.run();
      await drainMicrotasks();
    }
  }

  /** Keeps a paused owner's event until `resume` (at the pause's end, or called early). */
  private hold(ev: SimEvent, until: number): void {
    const held = this.held.get(ev.owner);
    if (held) return void held.push(ev);
    this.held.set(ev.owner, [ev]);
    this.schedule(until, '', () => this.resume(ev.owner));
  }

  /** Releases a paused owner's held events, in their original order, at the current time. */
  resume(owner: string): void {
    const held = this.held.get(owner);
    this.held.delete(owner);
    for (const ev of held ?? []) this.schedule(this.nowMs, ev.owner, ev.run);
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every promise reaction released so far run (Node drains microtasks before setImmediate). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
