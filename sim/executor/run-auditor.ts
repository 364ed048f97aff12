import { createHash } from 'node:crypto';
import { BACKOFF_TABLE_MS, STATE_SCRIPTS, type ScriptArg } from '../../src/internal.js';
import { FAN_STEPS, FN, SIM_RETRIES } from './functions.js';
import type { SdkCallView, SdkFate } from './sdk-network.js';

/** The executor invariants, judged from the calls as they happen (see sim/executor/README). */
export interface RunAuditorHost {
  now(): number;
  fail(invariant: string, message: string): void;
  readonly maxSkewMs: number;
  readonly backoffScale: number;
}

export interface RunFacts {
  runId: string;
  functionId: string;
  story: number | undefined;
  /** For an onFailure run: the failed run it reports. */
  failedRunId?: string;
  createdAt: number;
  /** Each finish that committed: its status, when, and by which item and lease. */
  finishes: { status: string; at: number; by: string }[];
}

const S = STATE_SCRIPTS;
const TERMINAL_EVENTS = new Set([
  'inngest/function.finished',
  'inngest/function.failed',
  'inngest/function.cancelled',
]);

export function stepHash(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}
const FAN_HASHES = FAN_STEPS.map(stepHash);

/**
 * The run auditor: sees every executor script call that reached Redis (with its keys, ARGV and
 * reply), every SDK request and how it ended, and every step body the SDK ran.
 */
export class RunAuditor {
  readonly runs = new Map<string, RunFacts>();
  /** Trigger event ID -> runs created for it, by function. */
  readonly runsByEvent = new Map<string, Set<string>>();
  readonly counts = {
    requests: 0,
    stepsCommitted: 0,
    bodies: 0,
    duplicateRuns: 0,
    runsCreated: 0,
    runsEnded: 0,
    /** fragile runs that failed, and onFailure runs created (liveness waits for them to match). */
    fragileFailed: 0,
    onFailureCreated: 0,
  };
  /** run -> stepId -> memo JSON, as committed. */
  private readonly memo = new Map<string, Map<string, string>>();
  /** run -> stepId -> memo JSON, as the SDK was sent it. */
  private readonly sentMemo = new Map<string, Map<string, string>>();
  /** pause -> who consumed it first ('<item> <lease>' for a timeout, '' otherwise). */
  private readonly pauseResumes = new Map<string, string>();
  /** pause -> the step ID its resume saves the memo under (from the pause's JSON). */
  private readonly pauseStep = new Map<string, string>();
  /** run -> event name -> the distinct IDs of its terminal events. */
  private readonly terminalEvents = new Map<string, Map<string, Set<string>>>();
  /** `${run} ${step name}` -> how many times the SDK ran that step's body. */
  private readonly bodyRuns = new Map<string, number>();
  /** Runs already reported under terminal-events-once (one report each). */
  private readonly reportedEvents = new Set<string>();
  /** failed run -> the onFailure runs whose bodies ran for it. */
  readonly onFailureRuns = new Map<string, Set<string>>();
  /**
   * `${process} ${run}` -> the virtual ms of that process's loadRuns of the run not yet matched
   * to a request. A request is judged by the earliest: never later than its own load, so a
   * correct history is never reported (a load that led to no request only makes a miss likelier).
   */
  private readonly loads = new Map<string, number[]>();
  /** job ID -> the last attempt's end, for the backoff check. */
  private readonly lastFate = new Map<string, { attempt: number; at: number; minGapMs: number }>();
  /** run -> virtual ms its wait or cancelOn pause was created (for side events). */
  readonly pausedAt = new Map<string, number>();
  /** Called when a run's pause exists / the run ended (the producer's cues). */
  onPauseCreated: (runId: string) => void = () => {};
  onRunEnded: (runId: string) => void = () => {};
  onRunCreated: (runId: string) => void = () => {};

  constructor(private readonly host: RunAuditorHost) {}

  private fail(invariant: string, message: string): void {
    this.host.fail(invariant, message);
  }

  /** An executor script call that reached Redis, with Redis's reply (even if it was lost). */
  observe(
    process: string,
    script: string,
    keys: readonly string[],
    raw: readonly ScriptArg[],
    reply: unknown,
  ): void {
    const now = this.host.now();
    switch (script) {
      case 'createRun':
        return this.runCreated(raw, reply, now);
      case 'loadRun':
        return this.loaded(`${process} ${runOf(S.loadRun, keys)}`, now);
      case 'commitStep':
        return this.stepCommitted(runOf(S.commitStep, keys), raw, reply, now);
      case 'resumePause':
        return this.pauseResumed(runOf(S.resumePause, keys), raw, reply);
      case 'finishRun':
        return this.runFinished(runOf(S.finishRun, keys), raw, reply, now);
      case 'ingestEvents':
        this.consumedPausesOffered(reply);
        return this.eventsIngested(raw);
    }
  }

  private loaded(key: string, now: number): void {
    const list = this.loads.get(key);
    if (list) list.push(now);
    else this.loads.set(key, [now]);
  }

  private runCreated(raw: readonly ScriptArg[], reply: unknown, now: number): void {
    const status = S.createRun.status((reply as unknown[])[0]);
    const { args } = S.createRun.decodeArgs(raw);
    if (status === 'RUN_EXISTS') this.counts.duplicateRuns++;
    if (status !== 'OK') return;
    const meta = JSON.parse(args.metaJson) as { fn: string };
    const events = JSON.parse(args.eventsJson) as {
      id?: string;
      data?: { story?: number; run_id?: string };
    }[];
    const first = events[0];
    const facts: RunFacts = {
      runId: args.runId,
      functionId: meta.fn,
      story: first?.data?.story,
      createdAt: now,
      finishes: [],
    };
    if (first?.data?.run_id !== undefined) facts.failedRunId = first.data.run_id;
    this.runs.set(args.runId, facts);
    this.counts.runsCreated++;
    if (meta.fn === FN.fragileFailure) this.counts.onFailureCreated++;
    const eventKey = `${meta.fn} ${first?.id ?? ''}`;
    const set = this.runsByEvent.get(eventKey) ?? new Set();
    set.add(args.runId);
    this.runsByEvent.set(eventKey, set);
    if (meta.fn === FN.cancellable) this.onRunCreated(args.runId);
  }

  private stepCommitted(
    runId: string,
    raw: readonly ScriptArg[],
    reply: unknown,
    now: number,
  ): void {
    if (S.commitStep.status((reply as unknown[])[0]) !== 'OK') return;
    const ended = this.runs.get(runId)?.finishes[0];
    const { entries } = S.commitStep.decodeArgs(raw);
    // an ended run's commit only acks its item (RUN_ENDED): an OK that writes is a violation
    if (ended && entries.length > 0)
      this.fail(
        ended.status === 'cancelled' ? 'cancel-stops' : 'one-terminal',
        `run ${runId} ended ${ended.status}, then a commit wrote ${entries.map((e) => e.type).join(', ')}`,
      );
    for (const e of entries) {
      if (e.type === 'memo') this.memoWritten(runId, e.id, e.json);
      if (e.type === 'pause') {
        const stepId = (JSON.parse(e.json) as { stepId?: string }).stepId;
        if (stepId !== undefined) this.pauseStep.set(e.id, stepId);
      }
      if (e.type === 'pause' && !this.pausedAt.has(runId)) {
        this.pausedAt.set(runId, now);
        this.onPauseCreated(runId);
      }
    }
  }

  /**
   * A pause consumed (by an event, an invoke's end or its timeout) saves its step's memo. The
   * same timeout item repeating its resume under the same lease (a lost reply) is one resume.
   */
  private pauseResumed(runId: string, raw: readonly ScriptArg[], reply: unknown): void {
    if (S.resumePause.status((reply as unknown[])[0]) !== 'OK') return;
    const { args } = S.resumePause.decodeArgs(raw);
    const by = args.leaseId ? `${args.timeoutItemId} ${args.leaseId}` : '';
    const first = this.pauseResumes.get(args.pauseId);
    if (first !== undefined && by !== '' && first === by) return;
    if (first !== undefined) {
      this.fail('pause-once', `pause ${args.pauseId} of run ${runId} resumed twice`);
      return;
    }
    this.pauseResumes.set(args.pauseId, by);
    const stepId = this.pauseStep.get(args.pauseId);
    if (stepId !== undefined) this.memoWritten(runId, stepId, args.memoJson, true);
  }

  private runFinished(runId: string, raw: readonly ScriptArg[], reply: unknown, now: number): void {
    if (S.finishRun.status((reply as unknown[])[0]) !== 'OK') return;
    const { args } = S.finishRun.decodeArgs(raw);
    const facts = this.runs.get(runId);
    if (!facts) return;
    const by = args.itemId ? `${args.itemId} ${args.leaseId}` : '';
    const first = facts.finishes[0];
    // the same item repeating its finish under the same lease (a lost reply) is one finish
    if (first !== undefined && by !== '' && first.by === by) return;
    facts.finishes.push({ status: args.status, at: now, by });
    if (facts.finishes.length > 1)
      return this.fail(
        'one-terminal',
        `run ${runId} (${facts.functionId}) ended twice: ${facts.finishes.map((f) => f.status).join(', ')}`,
      );
    this.counts.runsEnded++;
    if (args.status === 'failed' && facts.functionId === FN.fragile) this.counts.fragileFailed++;
    this.onRunEnded(runId);
  }

  /** The pauses an event's ingest offers (the reply's per-event lists): none already consumed. */
  private consumedPausesOffered(reply: unknown): void {
    const perEvent = (reply as unknown[]).slice(2) as string[][];
    for (const flat of perEvent)
      for (let i = 0; i < flat.length; i += 2) {
        const pauseId = flat[i]!;
        if (this.pauseResumes.has(pauseId))
          this.fail('pause-once', `pause ${pauseId} was offered to an event after it was consumed`);
      }
  }

  /** Terminal events: function.finished once per run; failed or cancelled beside it, once. */
  private eventsIngested(raw: readonly ScriptArg[]): void {
    for (const e of S.ingestEvents.decodeArgs(raw).entries) {
      const ev = JSON.parse(e.eventJson) as {
        id: string;
        name: string;
        data?: { run_id?: string };
      };
      const runId = ev.data?.run_id;
      if (!TERMINAL_EVENTS.has(ev.name) || runId === undefined) continue;
      const byName = this.terminalEvents.get(runId) ?? new Map<string, Set<string>>();
      this.terminalEvents.set(runId, byName);
      const ids = byName.get(ev.name) ?? new Set<string>();
      byName.set(ev.name, ids);
      ids.add(ev.id);
      if (this.reportedEvents.has(runId)) continue;
      const twice = ids.size > 1;
      const both =
        byName.has('inngest/function.failed') && byName.has('inngest/function.cancelled');
      if (twice || both) this.reportedEvents.add(runId);
      if (twice)
        this.fail(
          'terminal-events-once',
          `run ${runId} emitted ${ev.name} ${ids.size} times (IDs ${[...ids].join(', ')})`,
        );
      else if (both)
        this.fail('terminal-events-once', `run ${runId} emitted both failed and cancelled`);
    }
  }

  private memoWritten(runId: string, stepId: string, json: string, resume = false): void {
    const memo = this.memo.get(runId) ?? new Map<string, string>();
    this.memo.set(runId, memo);
    const before = memo.get(stepId);
    if (before === undefined) {
      memo.set(stepId, json);
      this.counts.stepsCommitted++;
      return;
    }
    if (before !== json)
      this.fail(
        resume ? 'pause-once' : 'memo-once',
        `run ${runId} step ${stepId}: its saved result ${before.slice(0, 80)} was overwritten by ${json.slice(0, 80)}`,
      );
  }

  /** An SDK request is about to reach the app. */
  onRequest(call: SdkCallView): void {
    this.counts.requests++;
    const { runId } = call;
    const sent = this.sentMemo.get(runId) ?? new Map<string, string>();
    this.sentMemo.set(runId, sent);
    for (const [id, json] of Object.entries(call.steps)) {
      const was = sent.get(id);
      if (was === undefined) sent.set(id, json);
      else if (was !== json)
        this.fail(
          'memo-once',
          `run ${runId}: the SDK was sent step ${id} as ${was.slice(0, 60)}, later as ${json.slice(0, 60)}`,
        );
    }
    const facts = this.runs.get(runId);
    const user = facts !== undefined && facts.functionId !== FN.fragileFailure;
    if (user && call.attempt > SIM_RETRIES)
      this.fail(
        'attempts',
        `run ${runId} job ${call.jobId}: attempt ${call.attempt} past the ${SIM_RETRIES} retries`,
      );
    if (call.attempt >= call.maxAttempts)
      this.fail(
        'attempts',
        `run ${runId} job ${call.jobId}: attempt ${call.attempt} of max ${call.maxAttempts}`,
      );
    const last = this.lastFate.get(call.jobId);
    if (last && call.attempt === last.attempt + 1) {
      const gap = call.sentAt - last.at;
      if (gap + 2 * this.host.maxSkewMs < last.minGapMs)
        this.fail(
          'backoff',
          `job ${call.jobId}: attempt ${call.attempt} ${gap} ms after the last, below ${last.minGapMs} ms`,
        );
    }
    const cancelled = facts?.finishes.find((f) => f.status === 'cancelled');
    const loadedAt = this.loads.get(`${call.process} ${runId}`)?.shift() ?? call.sentAt;
    if (cancelled && loadedAt > cancelled.at)
      this.fail(
        'cancel-stops',
        `run ${runId}: a request (step ${call.stepId}) started at ${loadedAt}, after its cancel at ${cancelled.at}`,
      );
    if (facts?.functionId === FN.fan && call.stepId === 'step') {
      const have = FAN_HASHES.filter((h) => h in call.steps).length;
      if (have > 0 && have < FAN_HASHES.length)
        this.fail(
          'fan-in',
          `run ${runId}: a discovery ran with ${have} of ${FAN_HASHES.length} parallel results`,
        );
    }
  }

  /** Every attempt's end: if the same job comes back with the next attempt, it waited. */
  onFate(call: SdkCallView, fate: SdkFate): void {
    const table = BACKOFF_TABLE_MS[Math.min(call.attempt, BACKOFF_TABLE_MS.length - 1)]!;
    const minGapMs =
      fate.kind === 'answered' && fate.retryAfterMs !== undefined
        ? fate.retryAfterMs
        : table * this.host.backoffScale;
    this.lastFate.set(call.jobId, { attempt: call.attempt, at: this.host.now(), minGapMs });
  }

  /** A step body ran at the SDK: it must not be one the run had already committed and replayed. */
  bodyRan(runId: string, step: string): number {
    this.counts.bodies++;
    if (this.sentMemo.get(runId)?.has(stepHash(step)))
      this.fail(
        'no-re-execution',
        `run ${runId}: step ${step} ran again after its result was replayed to the SDK`,
      );
    const key = `${runId} ${step}`;
    const n = (this.bodyRuns.get(key) ?? 0) + 1;
    this.bodyRuns.set(key, n);
    return n;
  }

  onFailureRan(failedRunId: string, runId: string): void {
    const set = this.onFailureRuns.get(failedRunId) ?? new Set<string>();
    set.add(runId);
    this.onFailureRuns.set(failedRunId, set);
    if (set.size > 1)
      this.fail('on-failure-once', `run ${failedRunId}: onFailure ran in ${set.size} runs`);
  }
}

/** The run a call is about, from its `meta` KEY (`{shard}:run:<id>`). */
function runOf(spec: { keys: readonly string[] }, keys: readonly string[]): string {
  const key = keys[spec.keys.indexOf('meta')] ?? '';
  return key.slice(key.lastIndexOf(':run:') + 5);
}
