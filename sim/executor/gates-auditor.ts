import { STATE_SCRIPTS, type ScriptArg } from '../../src/internal.js';
import { GATES, RATE_LIMITS, SINGLETONS, TIMEOUTS, type GateData } from './gates.js';
import type { SdkCallView } from './sdk-network.js';

export interface GatesAuditorHost {
  now(): number;
  fail(invariant: string, message: string): void;
  readonly maxSkewMs: number;
}

/** A gate function's run, as the auditor saw it created, started and ended (virtual ms). */
export interface GateRun {
  runId: string;
  fn: string;
  /** `fn#tenant`: the gate's key, as the config names it. */
  key: string;
  eventId: string;
  createdAt: number;
  /** Its first startRun that marked it started. */
  startedAt?: number;
  end?: { status: string; at: number; cancelReason: string };
}

/** A gate event's records: runs created and runs skipped (with the reason the script got). */
interface EventRecord {
  fn: string;
  key: string;
  created: Set<string>;
  skipped: Map<string, string>;
}

/** A rateLimit call's answer: an admission (taking capacity), a free pass, or a refusal. */
interface RateCall {
  at: number;
  idem: string;
  limitKey: string;
  kind: 'admitted' | 'free' | 'refused';
}

const S = STATE_SCRIPTS;
/** Virtual ms between a script's clock read and its arrival at Redis (call latency, corking). */
export const CALL_SLACK_MS = 50;
/** A cancel-mode newcomer's cancel lands within this of its "held" answer (faults included). */
const CANCEL_LANDS_MS = 1000;

/**
 * rateLimit, idempotency, singleton and timeouts, judged from every executor script call that
 * reached Redis and every SDK request (see gate-checks.ts for the end-of-run part). Gate runs
 * are recognised by their function (GATE_FN) and their trigger's `data.gate`; their keys are
 * named `fn#tenant` from the trigger, never by the product's canonical form.
 */
export class GatesAuditor {
  readonly runs = new Map<string, GateRun>();
  readonly events = new Map<string, EventRecord>();
  /** idempotency key (Redis key) -> the gate event it belongs to (learnt at create/skip). */
  readonly eventOfIdem = new Map<string, string>();
  readonly rateCalls: RateCall[] = [];
  private readonly admittedIdem = new Set<string>();
  private readonly recordedIdem = new Set<string>();
  /** singleton key -> its open runs (created, not ended). */
  private readonly open = new Map<string, Set<string>>();
  /** Newcomers answered "held", and the holder each cancel-mode newcomer must cancel. */
  private readonly held = new Set<string>();
  private readonly mustCancel = new Map<string, string>();
  /** `${process} ${run}` -> loads of a timed run not yet matched to a request. */
  private readonly loads = new Map<string, { at: number; started: number | undefined }[]>();
  readonly counts = { admitted: 0, free: 0, refused: 0, skipped: 0, held: 0, timeoutCancels: 0 };

  constructor(private readonly host: GatesAuditorHost) {}

  observe(
    process: string,
    script: string,
    keys: readonly string[],
    raw: readonly ScriptArg[],
    reply: unknown,
  ): void {
    const r = reply as unknown[];
    switch (script) {
      case 'rateLimit':
        return this.rateLimited(keys, S.rateLimit.status(r[0]) === 'OK');
      case 'createRun':
        return this.created(keys, raw, r);
      case 'skipRun':
        return this.skipped(keys, raw, r);
      case 'startRun':
        return this.started(
          runOf(S.startRun, keys),
          S.startRun.status(r[0]) === 'OK' && r[2] === 1,
        );
      case 'loadRun':
        return this.loaded(process, runOf(S.loadRun, keys));
      case 'finishRun':
        return this.finished(runOf(S.finishRun, keys), raw, S.finishRun.status(r[0]));
    }
  }

  private fail(invariant: string, message: string): void {
    this.host.fail(invariant, message);
  }

  /** As the script decides (rateLimit-3.lua): a run's key that names a record, or an admission. */
  private rateLimited(keys: readonly string[], ok: boolean): void {
    const at = this.host.now();
    const [idem, , limitKey] = keys as [string, string, string];
    const free = this.recordedIdem.has(idem) || this.admittedIdem.has(idem);
    const kind = !ok ? 'refused' : free ? 'free' : 'admitted';
    if (kind === 'admitted') this.admittedIdem.add(idem);
    this.counts[kind]++;
    this.rateCalls.push({ at, idem, limitKey, kind });
  }

  private record(idem: string, fn: string, eventsJson: string): EventRecord | undefined {
    const events = JSON.parse(eventsJson) as { id?: string; data?: Partial<GateData> }[];
    const first = events[0];
    if (first?.data?.gate === undefined || first.id === undefined) return undefined;
    this.eventOfIdem.set(idem, first.id);
    this.recordedIdem.add(idem);
    const key = `${fn}#${String(first.data.tenant)}`;
    const rec = this.events.get(first.id) ?? { fn, key, created: new Set(), skipped: new Map() };
    this.events.set(first.id, rec);
    return rec;
  }

  private created(keys: readonly string[], raw: readonly ScriptArg[], r: unknown[]): void {
    const status = S.createRun.status(r[0]);
    const { args } = S.createRun.decodeArgs(raw);
    const fn = (JSON.parse(args.metaJson) as { fn: string }).fn;
    if (status === 'SINGLETON_HELD') return this.singletonHeld(args.runId, fn, String(r[1]));
    if (status !== 'OK') return;
    const rec = this.record(keys[0]!, fn, args.eventsJson);
    if (!rec) return;
    rec.created.add(args.runId);
    const now = this.host.now();
    const eventId = this.eventOfIdem.get(keys[0]!)!;
    this.runs.set(args.runId, { runId: args.runId, fn, key: rec.key, eventId, createdAt: now });
    if (RATE_LIMITS[fn] && !this.admittedIdem.has(keys[0]!))
      this.fail('rate-limit-skip', `run ${args.runId} of ${rec.key} was created unadmitted`);
    if (SINGLETONS[fn] === undefined) return;
    const open = this.open.get(rec.key) ?? new Set<string>();
    this.open.set(rec.key, open);
    if (open.size > 0)
      this.fail(
        'singleton-exclusive',
        `run ${args.runId} of ${rec.key} was created while ${[...open].join(', ')} was open`,
      );
    open.add(args.runId);
  }

  /**
   * A newcomer refused by the lock: its holder must be an open run of the same key; in cancel
   * mode a holder still well within its hold (it cannot end by itself yet) must end Cancelled.
   */
  private singletonHeld(newcomer: string, fn: string, holder: string): void {
    this.counts.held++;
    this.held.add(newcomer);
    const h = this.runs.get(holder);
    if (!h || h.fn !== fn || h.end !== undefined)
      return this.fail(
        'singleton-skip',
        `a ${fn} newcomer ${newcomer} was refused for holder ${holder}, which is ${h ? `${h.key}, ${h.end?.status ?? 'open'}` : 'no run of it'}`,
      );
    const hold = GATES.singleCancel.holdMs - CANCEL_LANDS_MS;
    if (SINGLETONS[fn] === 'cancel' && this.host.now() < h.createdAt + hold)
      this.mustCancel.set(holder, newcomer);
  }

  private skipped(keys: readonly string[], raw: readonly ScriptArg[], r: unknown[]): void {
    if (S.skipRun.status(r[0]) !== 'OK') return;
    const { args } = S.skipRun.decodeArgs(raw);
    const fn = (JSON.parse(args.metaJson) as { fn: string }).fn;
    const rec = this.record(keys[0]!, fn, args.eventsJson);
    if (!rec) return;
    this.counts.skipped++;
    rec.skipped.set(args.runId, args.reason);
    const want = RATE_LIMITS[fn] ? 'refused' : SINGLETONS[fn] ? 'held' : null;
    const refused = this.rateCalls.some((c) => c.idem === keys[0] && c.kind === 'refused');
    const ok = want === 'refused' ? refused : want === 'held' ? this.held.has(args.runId) : false;
    if (!ok)
      this.fail(
        SINGLETONS[fn] ? 'singleton-skip' : 'rate-limit-skip',
        `run ${args.runId} of ${rec.key} was skipped (${args.reason}) without ${want ?? 'a gate'} refusing it`,
      );
  }

  private started(runId: string, marked: boolean): void {
    const run = this.runs.get(runId);
    if (run && marked && run.startedAt === undefined) run.startedAt = this.host.now();
  }

  private loaded(process: string, runId: string): void {
    const run = this.runs.get(runId);
    if (!run || !TIMEOUTS[run.fn]) return;
    const key = `${process} ${runId}`;
    const list = this.loads.get(key) ?? [];
    list.push({ at: this.host.now(), started: run.startedAt });
    this.loads.set(key, list);
  }

  /**
   * timeout-stops: no SDK request of a timed run whose load (the earliest not yet matched: never
   * later than its own) came at or past its deadline plus the skew bound. The deadline is that of
   * the run as the load found it: not started, its creation + start; started, its start + finish
   * (creation and start as they reached Redis: a product stamp is at most the skew ahead).
   */
  onRequest(call: SdkCallView): void {
    const run = this.runs.get(call.runId);
    const t = run && TIMEOUTS[run.fn];
    if (!run || !t) return;
    const load = this.loads.get(`${call.process} ${call.runId}`)?.shift();
    const at = load?.at ?? call.sentAt;
    const started = load ? load.started : run.startedAt;
    const deadline =
      started === undefined
        ? t.startMs === undefined
          ? undefined
          : run.createdAt + t.startMs
        : t.finishMs === undefined
          ? undefined
          : started + t.finishMs;
    if (deadline !== undefined && at >= deadline + this.host.maxSkewMs)
      this.fail(
        'timeout-stops',
        `run ${run.runId} (${run.fn}): a request (step ${call.stepId}) loaded at ${at}, past its ${started === undefined ? 'start' : 'finish'} deadline ${deadline} (+${this.host.maxSkewMs} ms skew)`,
      );
  }

  private finished(runId: string, raw: readonly ScriptArg[], status: string): void {
    const run = this.runs.get(runId);
    if (!run || status !== 'OK' || run.end !== undefined) return;
    const { args } = S.finishRun.decodeArgs(raw);
    const now = this.host.now();
    run.end = { status: args.status, at: now, cancelReason: args.cancelReason };
    this.open.get(run.key)?.delete(runId);
    const newcomer = this.mustCancel.get(runId);
    if (newcomer !== undefined && args.status !== 'cancelled')
      this.fail(
        'singleton-cancel',
        `holder ${runId} of ${run.key} ended ${args.status}, though newcomer ${newcomer} met it open`,
      );
    const t = TIMEOUTS[run.fn];
    if (t) this.timedEnd(run, t, now);
  }

  /**
   * timeout-reason: a timed run is cancelled only for its own timeout, the one that applied
   * (start before its first step, finish after), and never before that deadline less the skew.
   */
  private timedEnd(run: GateRun, t: (typeof TIMEOUTS)[string], now: number): void {
    const { status, cancelReason } = run.end!;
    if (status !== 'cancelled') return;
    this.counts.timeoutCancels++;
    const kind = run.startedAt === undefined ? 'start' : 'finish';
    const ms = kind === 'start' ? t.startMs : t.finishMs;
    const basis = kind === 'start' ? run.createdAt : run.startedAt!;
    const what = `run ${run.runId} (${run.fn}) was cancelled (${cancelReason || 'no reason'})`;
    if (ms === undefined || cancelReason !== `${kind}-timeout`)
      return this.fail('timeout-reason', `${what}, ${kind === 'start' ? 'unstarted' : 'started'}`);
    if (now + this.host.maxSkewMs + CALL_SLACK_MS < basis + ms)
      this.fail('timeout-reason', `${what} at ${now}, before its deadline ${basis + ms}`);
  }

  /** Holders that a cancel-mode newcomer met open (they must end Cancelled). */
  holdersToCancel(): ReadonlyMap<string, string> {
    return this.mustCancel;
  }
}

/** The run a call is about, from its `meta` KEY (`{shard}:run:<id>`). */
function runOf(spec: { keys: readonly string[] }, keys: readonly string[]): string {
  const key = keys[spec.keys.indexOf('meta')] ?? '';
  return key.slice(key.lastIndexOf(':run:') + 5);
}
