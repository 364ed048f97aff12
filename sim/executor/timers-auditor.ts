import { STATE_SCRIPTS, type ScriptArg } from '../../src/internal.js';
import { START_MS } from '../start-time.js';
import { CRON_EVENT, MINUTE_MS, TIMER_FN, TIMERS, type TimerEventData } from './flow-timers.js';

/**
 * Debounce, batching and cron, judged from every executor script call that reached Redis (with
 * its real reply, lost or not) and from what the timers producer delivered. What a run must
 * carry comes from the sim's own config (TIMERS) and events (each send attempt is named by its
 * `data.u`), never from what the product wrote; which debounce window an event went into is
 * what Redis answered its debounceEvent call (an observation, checked against the model of the
 * key's one open window).
 *
 * - debounce-window: a key has at most one open window; an event joins only its key's open one.
 * - debounce-last: a debounced run carries exactly one event, its window's last by `ts` (a
 *   later arrival wins a tie); an event with an older `ts` never replaces a newer one, and an
 *   event with a `ts` not older is never refused.
 * - debounce-once: at most one run per window, none for an event in no window.
 * - debounce-lost: (at the end) every window got its run; every delivered event reached a window.
 * - batch-once: an event is appended once and lands in exactly one run (none never appended).
 * - batch-size / batch-key: a batched run has 1..maxSize events, all of one key.
 * - batch-lost: (at the end) every appended event, and every delivered one, is in a run.
 * - cron-event: a cron run carries one `inngest/scheduled.timer` event for a tick of its
 *   function's schedule after the app's sync: its id and scheduledAt the tick (RFC 3339), its ts
 *   the tick plus the trigger's jitter (none, or whole seconds in [1 s, jitter)).
 * - cron-once: one run per tick of each chain (function, schedule).
 * - cron-skip: a tick's run is created only once every earlier tick (since the sync) has one;
 *   (at the end) every tick up to the end of the safety phase has one.
 * - timer-runs-complete: (at the end) each of these runs completed.
 */
export interface TimersHost {
  now(): number;
  fail(invariant: string, message: string): void;
  readonly maxSkewMs: number;
  /** Virtual ms the safety phase ends: every tick up to it must have its run. */
  readonly safetyEndMs: number;
}

interface Window {
  id: string;
  key: string;
  winner: { u: string; ts: number };
  closed: boolean;
  runs: string[];
}

interface SdkEvent {
  id: string;
  name: string;
  ts: number;
  data: Partial<TimerEventData> & { cron?: string; scheduledAt?: string; fireAt?: string };
}

const S = STATE_SCRIPTS;
const APPENDED = new Set(['OK', 'BATCH_OPENED', 'BATCH_FULL']);
const CRON_FNS: ReadonlySet<string> = new Set([TIMER_FN.cron, TIMER_FN.cronJitter]);

/** A time as Go's RFC 3339 writes it (no fraction on whole seconds). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

export class TimersAuditor {
  private readonly windows = new Map<string, Window>();
  private readonly openOf = new Map<string, string>();
  private readonly windowOfU = new Map<string, string>();
  private readonly arrived = new Set<string>();
  private readonly appended = new Map<string, string>();
  private readonly runOfU = new Map<string, string>();
  /** `${fn} ${cron}` -> tick -> its runs. */
  private readonly ticks = new Map<string, Map<number, string[]>>();
  /** Send attempts that resolved (the product accepted the event), by function. */
  private readonly delivered = new Map<string, 'debounced' | 'batched'>();
  /** The runs these checks judge (their end is checked last). */
  readonly runIds: string[] = [];
  /** When the app's registration resolved (the cron chains were seeded before it). */
  registeredAt: number | null = null;
  producerDone = false;
  readonly counts = { windows: 0, batchedRuns: 0, cronRuns: 0, stale: 0 };

  constructor(private readonly host: TimersHost) {}

  private fail(invariant: string, message: string): void {
    this.host.fail(invariant, message);
  }

  delivery(u: string, fn: 'debounced' | 'batched'): void {
    this.delivered.set(u, fn);
  }

  observe(script: string, raw: readonly ScriptArg[], reply: unknown): void {
    const r = reply as unknown[];
    switch (script) {
      case 'debounceEvent':
        return this.arrival(raw, S.debounceEvent.status(r[0]), String(r[1]));
      case 'fireDebounce':
        return this.fired(
          S.fireDebounce.decodeArgs(raw).args.windowId,
          S.fireDebounce.status(r[0]),
        );
      case 'appendBatch':
        if (APPENDED.has(S.appendBatch.status(r[0])))
          this.append(S.appendBatch.decodeArgs(raw).args.eventJson);
        return;
      case 'createRun':
        if (S.createRun.status(r[0]) === 'OK') this.runCreated(raw);
        return;
    }
  }

  private arrival(raw: readonly ScriptArg[], status: string, windowId: string): void {
    const { args } = S.debounceEvent.decodeArgs(raw);
    const ev = JSON.parse(args.eventJson) as SdkEvent;
    const u = String(ev.data.u);
    const key = String(ev.data.tkey);
    this.arrived.add(u);
    if (status === 'OK') return this.opened(windowId, key, u, ev.ts);
    if (status !== 'DEBOUNCE_EXTENDED' && status !== 'DEBOUNCE_STALE') return;
    const w = this.windows.get(windowId);
    const what = `event ${u} (key ${key}, ts ${ev.ts - START_MS})`;
    if (!w || w.key !== key || w.closed || this.openOf.get(key) !== windowId)
      return this.fail(
        'debounce-window',
        `${what} joined window ${windowId}, not its key's open window ${this.openOf.get(key) ?? '(none)'}`,
      );
    const older = ev.ts < w.winner.ts;
    const held = `${w.winner.u} (ts ${w.winner.ts - START_MS})`;
    if (status === 'DEBOUNCE_STALE') {
      this.counts.stale++;
      if (!older)
        this.fail('debounce-last', `${what} was refused by window ${windowId} holding ${held}`);
      return;
    }
    if (older)
      this.fail('debounce-last', `${what} replaced the newer ${held} in window ${windowId}`);
    w.winner = { u, ts: ev.ts };
    this.windowOfU.set(u, windowId);
  }

  private opened(windowId: string, key: string, u: string, ts: number): void {
    const open = this.openOf.get(key);
    if (open !== undefined)
      this.fail('debounce-window', `key ${key}: window ${windowId} opened while ${open} is open`);
    this.counts.windows++;
    this.windows.set(windowId, { id: windowId, key, winner: { u, ts }, closed: false, runs: [] });
    this.openOf.set(key, windowId);
    this.windowOfU.set(u, windowId);
  }

  private fired(windowId: string, status: string): void {
    const w = this.windows.get(windowId);
    if (status !== 'OK' || !w || w.closed) return;
    w.closed = true;
    if (this.openOf.get(w.key) === windowId) this.openOf.delete(w.key);
  }

  private append(eventJson: string): void {
    const u = String((JSON.parse(eventJson) as SdkEvent).data.u);
    if (this.appended.has(u)) this.fail('batch-once', `event ${u} was appended to a batch twice`);
    this.appended.set(u, eventJson);
  }

  private runCreated(raw: readonly ScriptArg[]): void {
    const { args } = S.createRun.decodeArgs(raw);
    const fn = (JSON.parse(args.metaJson) as { fn: string }).fn;
    const events = JSON.parse(args.eventsJson) as SdkEvent[];
    const run = `run ${args.runId} (${fn})`;
    if (fn === TIMER_FN.debounced) this.debouncedRun(args.runId, run, events);
    else if (fn === TIMER_FN.batched) this.batchedRun(args.runId, run, events);
    else if (CRON_FNS.has(fn)) this.cronRun(args.runId, fn, run, events);
    else return;
    this.runIds.push(args.runId);
  }

  private debouncedRun(runId: string, run: string, events: SdkEvent[]): void {
    if (events.length !== 1)
      return this.fail('debounce-last', `${run} carries ${events.length} events, not one`);
    const u = String(events[0]!.data.u);
    const w = this.windows.get(this.windowOfU.get(u) ?? '');
    if (!w) return this.fail('debounce-once', `${run} carries event ${u}, in no window`);
    w.runs.push(runId);
    if (w.runs.length > 1)
      return this.fail(
        'debounce-once',
        `window ${w.id} (key ${w.key}) has runs ${w.runs.join(', ')}`,
      );
    if (!w.closed) this.fail('debounce-window', `${run} started while window ${w.id} is open`);
    if (u !== w.winner.u)
      this.fail(
        'debounce-last',
        `${run} carries event ${u}; the last of window ${w.id} by ts is ${w.winner.u} (ts ${w.winner.ts - START_MS})`,
      );
  }

  private batchedRun(runId: string, run: string, events: SdkEvent[]): void {
    this.counts.batchedRuns++;
    const { maxSize } = TIMERS.batch;
    if (events.length === 0 || events.length > maxSize)
      this.fail('batch-size', `${run} carries ${events.length} events (maxSize ${maxSize})`);
    const keys = new Set(events.map((e) => String(e.data.tkey)));
    if (keys.size > 1) this.fail('batch-key', `${run} mixes the keys ${[...keys].join(', ')}`);
    for (const e of events) {
      const u = String(e.data.u);
      const other = this.runOfU.get(u);
      if (other !== undefined)
        return this.fail('batch-once', `event ${u} is in ${run} and in run ${other}`);
      if (!this.appended.has(u))
        return this.fail('batch-once', `${run} carries event ${u}, never appended`);
      this.runOfU.set(u, runId);
    }
  }

  private cronRun(runId: string, fn: string, run: string, events: SdkEvent[]): void {
    this.counts.cronRuns++;
    const e = events[0];
    const chain = TIMERS.cron.find((c) => c.fn === fn && c.cron === e?.data.cron);
    const tickAt = Date.parse(e?.data.scheduledAt ?? '');
    if (events.length !== 1 || !e || e.name !== CRON_EVENT || !chain || tickAt % MINUTE_MS !== 0)
      return this.fail('cron-event', `${run} carries ${JSON.stringify(events).slice(0, 200)}`);
    const jitter = e.ts - tickAt;
    const jitterOk =
      chain.jitterMs === 0
        ? jitter === 0
        : jitter >= 1000 && jitter < chain.jitterMs && jitter % 1000 === 0;
    const when = this.host.now() + this.host.maxSkewMs;
    if (e.id !== rfc3339(tickAt) || !jitterOk || e.data.fireAt !== rfc3339(e.ts) || e.ts > when)
      return this.fail('cron-event', `${run}: tick ${rfc3339(tickAt)} with ${JSON.stringify(e)}`);
    if (tickAt <= START_MS)
      return this.fail('cron-event', `${run}: tick ${rfc3339(tickAt)} is before the app's sync`);
    const name = `${fn} ${chain.cron}`;
    const runs = this.ticksOf(name);
    const list = runs.get(tickAt) ?? [];
    list.push(runId);
    runs.set(tickAt, list);
    if (list.length > 1)
      return this.fail('cron-once', `${name}: tick ${rfc3339(tickAt)} has runs ${list.join(', ')}`);
    const missed = this.requiredTicks(tickAt - 1).find((t) => !runs.has(t));
    if (missed !== undefined)
      this.fail('cron-skip', `${name}: tick ${rfc3339(tickAt)} ran, ${rfc3339(missed)} has no run`);
  }

  private ticksOf(name: string): Map<number, string[]> {
    const m = this.ticks.get(name) ?? new Map<number, string[]>();
    this.ticks.set(name, m);
    return m;
  }

  /** The minute ticks after the app's registration resolved, up to `untilMs`. */
  private requiredTicks(untilMs: number): number[] {
    if (this.registeredAt === null) return [];
    const out: number[] = [];
    const first = (Math.floor(this.registeredAt / MINUTE_MS) + 1) * MINUTE_MS;
    for (let t = first; t <= untilMs; t += MINUTE_MS) out.push(t);
    return out;
  }

  /** The first unmet piece of work, or null when every window, batch and tick has its run. */
  pending(): string | null {
    if (!this.producerDone) return 'timer events still being sent';
    for (const w of this.windows.values())
      if (w.runs.length === 0) return `debounce window ${w.id} (key ${w.key}) has no run`;
    for (const u of this.appended.keys())
      if (!this.runOfU.has(u)) return `event ${u} in no batch run`;
    for (const c of TIMERS.cron) {
      const runs = this.ticksOf(`${c.fn} ${c.cron}`);
      const missed = this.requiredTicks(this.host.safetyEndMs).find((t) => !runs.has(t));
      if (missed !== undefined) return `${c.fn} ${c.cron}: tick ${rfc3339(missed)} has no run`;
    }
    return null;
  }

  /** At the end: nothing lost, and each run completed (`statusOf`: its status as read). */
  finalCheck(statusOf: (runId: string) => string | undefined): void {
    const missing = this.pending();
    if (missing !== null) {
      const invariant = missing.startsWith('debounce')
        ? 'debounce-lost'
        : missing.startsWith('event')
          ? 'batch-lost'
          : missing.startsWith('sim-cron')
            ? 'cron-skip'
            : 'liveness';
      return this.fail(invariant, missing);
    }
    for (const [u, fn] of this.delivered) {
      if (fn === 'debounced' && !this.arrived.has(u))
        return this.fail('debounce-lost', `event ${u} was delivered and reached no window`);
      if (fn === 'batched' && !this.runOfU.has(u))
        return this.fail('batch-lost', `event ${u} was delivered and is in no batch run`);
    }
    for (const id of this.runIds) {
      const status = statusOf(id) ?? 'missing';
      if (status !== 'completed') return this.fail('timer-runs-complete', `run ${id} is ${status}`);
    }
  }
}
