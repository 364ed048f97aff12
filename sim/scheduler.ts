import { EventHeap } from './event-heap.js';

/**
 * The simulator's only source of progress: a queue of events ordered by (virtual ms, sequence).
 * Each event runs to completion, then every microtask it released drains before the next
 * event, so one seed gives one order of everything the product code does. The scheduler awaits
 * an event's promise, so only the simulator's own I/O (a real Redis call) may be awaited there:
 * an event that starts product work must not wait for it, since that work needs later events.
 *
 * An event may also have a `begin`: the part that only starts its I/O (a Redis call's send).
 * Such events due back to back at one instant form a batch (see runBatch): they begin in queue
 * order, ahead of their runs, so their Redis calls share round trips; they still run one by
 * one, in queue order. Beginning early must not change what an event does, so a begin may read
 * only what the runs of the events ahead of it in its batch cannot change: its own arguments,
 * its owner's process state and the fault draws. Those events are begun calls and `productOnly`
 * events: these only hand control to product code (a sleep ends, a wake-up arrives), which
 * reaches Redis, processes and faults only through later events.
 */
export interface SimEvent {
  at: number;
  seq: number;
  /** The simulated process the event belongs to ('' for the simulator itself). */
  owner: string;
  run: () => void | Promise<void>;
  /** Starts the event's I/O; false: no later event may begin before this one has run. */
  begin?: () => boolean;
  /** It only resumes product code: a batch may carry it, and begin the calls behind it. */
  productOnly?: boolean;
}

export type EventKind = Pick<SimEvent, 'begin' | 'productOnly'>;

export class LivelockError extends Error {
  override name = 'LivelockError';
}

export const EVENTS_PER_MS_MAX = 200_000;

/** The most events of a batch begun and not yet run. */
export const BATCH_MAX = 64;

export class Scheduler {
  private readonly queue = new EventHeap<SimEvent>();
  private readonly held = new Map<string, SimEvent[]>();
  /** The running batch's events that have begun and not yet run, in queue order. */
  private readonly begun: SimEvent[] = [];
  /** Whether the event begun last lets the next one begin before it has run. */
  private batchOpen = false;
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
    return this.queue.size;
  }

  schedule(
    at: number,
    owner: string,
    run: () => void | Promise<void>,
    kind: EventKind = {},
  ): SimEvent {
    const ev: SimEvent = { at: Math.max(Math.round(at), this.nowMs), seq: this.seq++, owner, run };
    if (kind.begin) ev.begin = kind.begin;
    if (kind.productOnly) ev.productOnly = true;
    this.queue.push(ev);
    return ev;
  }

  /** Runs events until virtual time passes `endMs` or `stop()` says so; returns why it stopped. */
  async runUntil(
    endMs: number,
    stop: () => boolean = () => false,
  ): Promise<'time' | 'stopped' | 'idle'> {
    for (;;) {
      if (stop()) return 'stopped';
      const ev = this.queue.pop();
      if (!ev) return 'idle';
      if (ev.at > endMs) {
        this.queue.push(ev);
        this.nowMs = endMs;
        return 'time';
      }
      const paused = this.pausedAt(ev);
      if (paused) {
        this.hold(ev, paused);
        continue;
      }
      if (ev.at > this.nowMs) {
        this.nowMs = ev.at;
        this.eventsThisMs = 0;
      }
      if (!ev.begin && !ev.productOnly) await this.runOne(ev);
      else if (await this.runBatch(ev, stop)) return 'stopped';
    }
  }

  /**
   * Runs a batch from its first event; returns true when `stop` ended it. Before each run, the
   * events now at the head of the queue join it while they qualify (see join), so calls that
   * a run schedules for this instant are sent while the calls ahead of them are handled. Every
   * event still runs when it would have one by one: the queue head is the event that follows
   * the batch's last, and an event scheduled meanwhile comes after it (a later sequence).
   */
  private async runBatch(first: SimEvent, stop: () => boolean): Promise<boolean> {
    this.batchOpen = true;
    this.begin(first);
    for (let i = 0; this.begun.length > 0; i++) {
      this.join(first.at);
      if (i > 0 && stop()) {
        // Back in the queue, begun (their calls are on their way): they run on the next runUntil.
        // Today only a violation stops a sim run with calls begun: the liveness stop comes with
        // the last item's dequeue, a call that collects wake-ups and so ends its batch.
        for (const ev of this.begun.splice(0)) this.queue.push(ev);
        return true;
      }
      await this.runOne(this.begun.shift()!);
    }
    return false;
  }

  /**
   * Takes the queue's head events into the batch while they are due at `at`, not paused, and
   * have a begin (which runs now) or are product-only (carried along, to run in their turn).
   */
  private join(at: number): void {
    while (this.batchOpen && this.begun.length < BATCH_MAX) {
      const next = this.queue.peek();
      if (!next || next.at !== at || !(next.begin || next.productOnly) || this.pausedAt(next))
        return;
      this.begin(this.queue.pop()!);
    }
  }

  private begin(ev: SimEvent): void {
    if (ev.begin) {
      this.batchOpen = ev.begin();
      // Begun once: should a stop put it back in the queue, it only runs.
      delete ev.begin;
    }
    this.begun.push(ev);
  }

  private async runOne(ev: SimEvent): Promise<void> {
    if (++this.eventsThisMs > EVENTS_PER_MS_MAX) {
      throw new LivelockError(`more than ${EVENTS_PER_MS_MAX} events at virtual ms ${this.nowMs}`);
    }
    this.eventsRun++;
    const running = ev.run();
    if (running) await running;
    await drainMicrotasks();
  }

  /** The end of the pause that holds `ev` back, or 0 when its owner may run at `ev.at`. */
  private pausedAt(ev: SimEvent): number {
    const paused = ev.owner ? this.pausedUntil(ev.owner) : 0;
    return paused > ev.at ? paused : 0;
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
    for (const ev of held ?? [])
      this.schedule(this.nowMs, ev.owner, ev.run, { begin: ev.begin, productOnly: ev.productOnly });
  }
}

/**
 * Lets every promise reaction released so far run. The scheduler calls it from a promise
 * reaction, and Node runs a nextTick callback only once V8 has emptied the microtask queue
 * (reactions they release included). setImmediate would wait as well, for a turn of the event
 * loop per event. This holds as long as nothing the events run queues ticks of its own: product
 * code has no timers or ticks (src/core/clock.ts is the one place with a timer; the sim gives
 * each process a SimClock), and the sim's own nextTick (CorkedTransport) releases no reaction.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
