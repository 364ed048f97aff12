import { describe, expect, it } from 'vitest';
import { BACKOFF_TABLE_MS, STATE_SCRIPTS, Status, type ScriptArg } from '../../src/internal.js';
import { FAN_STEPS, FN, SIM_RETRIES } from '../../sim/executor/functions.js';
import { RunAuditor, stepHash } from '../../sim/executor/run-auditor.js';
import type { SdkCallView, SdkFate } from '../../sim/executor/sdk-network.js';

/**
 * Every invariant of the simulator's run auditor against a planted bug: a short history of
 * executor script calls (KEYS, ARGV and reply as Redis saw them), SDK requests and step bodies
 * that breaks exactly that invariant must be reported under its name, and the same history
 * without the bug must not be reported at all.
 */
const T0 = 1_700_000_000_000;
const MAX_SKEW_MS = 50;
const BACKOFF_SCALE = 0.01;
const S = STATE_SCRIPTS;

interface Spec {
  readonly keys: readonly string[];
  readonly args: readonly string[];
  readonly keysPerEntry: readonly string[];
  readonly argsPerEntry: readonly string[];
}

type Values = Record<string, ScriptArg>;

/** KEYS and ARGV of one call in the spec's order: unnamed values '0', `meta` the run's key. */
function encoded(spec: Spec, runId: string, values: Values, entries: readonly Values[] = []) {
  const key = (k: string) => (k === 'meta' ? `{sim-x}:run:${runId}` : `{sim-x}:${k}`);
  return {
    keys: [
      ...spec.keys.map(key),
      ...entries.flatMap(() => spec.keysPerEntry.map((k) => `{sim-x}:${k}`)),
    ],
    raw: [
      ...spec.args.map((a) => values[a] ?? '0'),
      ...entries.flatMap((e) => spec.argsPerEntry.map((a) => e[a] ?? '0')),
    ],
  };
}

/** An auditor at virtual time `clock.t` (mutable), with helpers that feed it calls. */
function audit() {
  const clock = { t: T0 };
  const violations: { invariant: string; message: string }[] = [];
  const auditor = new RunAuditor({
    now: () => clock.t,
    fail: (invariant, message) => violations.push({ invariant, message }),
    maxSkewMs: MAX_SKEW_MS,
    backoffScale: BACKOFF_SCALE,
  });
  const invariants = () => violations.map((v) => v.invariant);
  const observe = (
    process: string,
    script: keyof typeof S,
    runId: string,
    reply: unknown,
    values: Values,
    entries: readonly Values[] = [],
  ) => {
    const { keys, raw } = encoded(S[script], runId, values, entries);
    auditor.observe(process, script, keys, raw, reply);
  };

  const createRun = (runId: string, fn: string, trigger: object = { id: `ev-${runId}` }) =>
    observe('p0', 'createRun', runId, [Status.OK, runId], {
      runId,
      metaJson: JSON.stringify({ fn }),
      eventsJson: JSON.stringify([trigger]),
      count: 0,
    });
  const commitMemo = (runId: string, stepId: string, json: string, code: number = Status.OK) =>
    observe('p0', 'commitStep', runId, code === Status.OK ? [code, 0, 0] : [code], { count: 1 }, [
      { type: 'memo', id: stepId, json, score: 0, extra: '' },
    ]);
  const resume = (
    runId: string,
    pauseId: string,
    memoJson: string,
    code: number = Status.OK,
    over: Values = {},
  ) =>
    observe('p0', 'resumePause', runId, code === Status.OK ? [code, 0] : [code], {
      pauseId,
      memoJson,
      mode: 'event',
      leaseId: '',
      ...over,
    });
  const commitPause = (runId: string, pauseId: string, json: string) =>
    observe('p0', 'commitStep', runId, [Status.OK, 0, 0], { count: 1 }, [
      { type: 'pause', id: pauseId, json, score: 0, extra: '' },
    ]);
  const finish = (
    runId: string,
    status: string,
    code: number = Status.OK,
    process = 'p0',
    over: Values = {},
  ) =>
    observe(process, 'finishRun', runId, [code], {
      status,
      itemId: '',
      leaseId: '',
      count: 0,
      ...over,
    });
  const loadRun = (process: string, runId: string) =>
    observe(process, 'loadRun', runId, [[], null, [], [], [], null], { functionId: '' });
  const ingest = (...events: object[]) =>
    observe(
      'p0',
      'ingestEvents',
      '',
      ['1', [], ...events.map(() => [])],
      { knownVersion: '' },
      events.map((e) => ({ eventJson: JSON.stringify(e) })),
    );
  const request = (runId: string, over: Partial<SdkCallView> = {}): SdkCallView => {
    const call: SdkCallView = {
      process: 'p0',
      runId,
      jobId: `job-${runId}`,
      stepId: 'step',
      fnId: '',
      attempt: 0,
      maxAttempts: SIM_RETRIES + 1,
      story: 1,
      steps: {},
      sentAt: clock.t,
      ...over,
    };
    auditor.onRequest(call);
    return call;
  };
  const fate = (call: SdkCallView, f: SdkFate) => auditor.onFate(call, f);
  return {
    auditor,
    clock,
    invariants,
    createRun,
    commitMemo,
    commitPause,
    resume,
    finish,
    loadRun,
    ingest,
    request,
    fate,
  };
}

const failed: SdkFate = { kind: 'failed', reason: 'timeout', ranSdk: true };
const h = stepHash;
const FAN = FAN_STEPS.map(stepHash);

describe('run auditor invariants, each against a planted bug', () => {
  it('memo-once: a committed step overwritten with another result', () => {
    const a = audit();
    a.commitMemo('r1', h('s1'), '"a"');
    a.commitMemo('r1', h('s1'), '"a"'); // a repeat with the same bytes
    a.commitMemo('r1', h('s1'), '"b"', Status.MEMO_CONFLICT); // refused by the Lua
    a.commitMemo('r2', h('s1'), '"b"'); // another run's step of the same name
    expect(a.invariants()).toEqual([]);
    expect(a.auditor.counts.stepsCommitted).toBe(2);
    a.commitMemo('r1', h('s1'), '"b"');
    expect(a.invariants()).toEqual(['memo-once']);
  });

  it('memo-once: the SDK sent one step with two different results', () => {
    const a = audit();
    a.request('r1', { steps: { [h('s1')]: '"a"' } });
    a.request('r1', { steps: { [h('s1')]: '"a"', [h('s2')]: '"c"' } });
    a.request('r2', { steps: { [h('s1')]: '"b"' } });
    expect(a.invariants()).toEqual([]);
    a.request('r1', { steps: { [h('s1')]: '"b"' } });
    expect(a.invariants()).toEqual(['memo-once']);
  });

  it('pause-once: one pause resumed twice', () => {
    const a = audit();
    a.resume('r1', 'pause-1', '{"name":"sim/approve"}');
    a.resume('r1', 'pause-1', 'null', Status.PAUSE_GONE); // the timeout, too late
    a.resume('r1', 'pause-2', 'null', Status.RUN_ENDED);
    expect(a.invariants()).toEqual([]);
    a.resume('r1', 'pause-1', '{"name":"sim/approve"}');
    expect(a.invariants()).toEqual(['pause-once']);
    // resumed again with another result: reported once
    const b = audit();
    b.resume('r1', 'pause-1', '{"name":"sim/approve"}');
    b.resume('r1', 'pause-1', 'null');
    expect(b.invariants()).toEqual(['pause-once']);
  });

  it("pause-once: a resume overwriting its step's committed memo; a timeout's repeat is one", () => {
    const a = audit();
    const pauseJson = JSON.stringify({ stepId: h('approval') });
    a.commitPause('r1', 'pause-1', pauseJson);
    a.resume('r1', 'pause-1', 'null', Status.OK, {
      mode: 'timeout',
      leaseId: 'L1',
      timeoutItemId: 'i1',
    });
    // the same timeout item, same lease, repeating after a lost reply: one resume
    a.resume('r1', 'pause-1', 'null', Status.OK, {
      mode: 'timeout',
      leaseId: 'L1',
      timeoutItemId: 'i1',
    });
    expect(a.invariants()).toEqual([]);
    a.commitMemo('r1', h('approval'), '{"data":"x"}');
    expect(a.invariants()).toEqual(['memo-once']);
  });

  it('one-terminal: a run ended twice', () => {
    const a = audit();
    a.createRun('r1', FN.chain);
    a.finish('r1', 'completed');
    a.finish('r1', 'cancelled', Status.RUN_ENDED); // a late cancel: refused
    a.finish('r1', 'failed', Status.LEASE_MISMATCH);
    expect(a.invariants()).toEqual([]);
    expect(a.auditor.counts.runsEnded).toBe(1);
    a.finish('r1', 'failed');
    expect(a.invariants()).toEqual(['one-terminal']);
    // the same item repeating its finish under the same lease (a lost reply) is one finish
    const b = audit();
    b.createRun('r1', FN.chain);
    b.finish('r1', 'failed', Status.OK, 'p0', { itemId: 'i1', leaseId: 'L1' });
    b.finish('r1', 'failed', Status.OK, 'p0', { itemId: 'i1', leaseId: 'L1' });
    expect(b.invariants()).toEqual([]);
  });

  it('terminal-events-once: function.failed twice, or failed and cancelled both', () => {
    const ev = (name: string, id: string, runId = 'r1') => ({
      name: `inngest/function.${name}`,
      id,
      data: { run_id: runId },
    });
    const a = audit();
    a.ingest(ev('finished', 'r1-finished'), ev('failed', 'r1'));
    a.ingest(ev('finished', 'r1-finished'), ev('failed', 'r1')); // the finish item ran twice
    a.ingest(ev('finished', 'r2-finished', 'r2'), ev('cancelled', 'r2', 'r2'));
    a.ingest({ name: 'sim/chain', id: 'x', data: { run_id: 'r1' } }); // not a terminal event
    expect(a.invariants()).toEqual([]);
    a.ingest(ev('failed', 'r1-again'));
    expect(a.invariants()).toEqual(['terminal-events-once']);
    const b = audit();
    b.ingest(ev('finished', 'r1-finished'), ev('failed', 'r1'));
    expect(b.invariants()).toEqual([]);
    b.ingest(ev('cancelled', 'r1'));
    expect(b.invariants()).toEqual(['terminal-events-once']);
  });

  it('on-failure-once: onFailure ran in two runs for one failed run', () => {
    const a = audit();
    a.auditor.onFailureRan('r1', 'f1');
    a.auditor.onFailureRan('r1', 'f1'); // its body retried in the same run
    a.auditor.onFailureRan('r2', 'f2');
    expect(a.invariants()).toEqual([]);
    a.auditor.onFailureRan('r1', 'f3');
    expect(a.invariants()).toEqual(['on-failure-once']);
  });

  it('no-re-execution: a body ran for a step whose result the SDK was already sent', () => {
    const a = audit();
    a.createRun('r1', FN.chain);
    a.auditor.bodyRan('r1', 's1');
    a.auditor.bodyRan('r1', 's1'); // retried before it committed
    a.request('r1', { steps: { [h('s1')]: '"s1:1"' } });
    a.auditor.bodyRan('r1', 's2');
    a.auditor.bodyRan('r2', 's1'); // another run
    expect(a.invariants()).toEqual([]);
    a.auditor.bodyRan('r1', 's1');
    expect(a.invariants()).toEqual(['no-re-execution']);
  });

  it('fan-in: a discovery of the fan run with only some of its parallel results', () => {
    const memo = (n: number) =>
      Object.fromEntries(FAN.slice(0, n).map((id, i) => [id, JSON.stringify(`p${i + 1}:1`)]));
    const a = audit();
    a.createRun('r1', FN.fan);
    a.createRun('c1', FN.chain);
    a.request('r1', { steps: memo(0) }); // the first discovery
    a.request('r1', { stepId: FAN[2], steps: memo(2) }); // p3's own request, p1 and p2 done
    a.request('r1', { steps: memo(3) }); // the join's discovery
    a.request('c1', { steps: memo(2) }); // not the fan function
    expect(a.invariants()).toEqual([]);
    a.request('r1', { steps: memo(2) });
    expect(a.invariants()).toEqual(['fan-in']);
    const b = audit();
    b.createRun('r1', FN.fan);
    b.request('r1', { steps: memo(1) });
    expect(b.invariants()).toEqual(['fan-in']);
  });

  it('cancel-stops: a request from a process that loaded the run after its cancel', () => {
    const a = audit();
    a.createRun('r1', FN.cancellable);
    a.clock.t = T0 + 10;
    a.loadRun('p0', 'r1');
    a.clock.t = T0 + 20;
    a.finish('r1', 'cancelled', Status.OK, 'p1');
    a.clock.t = T0 + 22;
    a.request('r1'); // loaded before the cancel: in flight, allowed
    a.request('r1', { process: 'p2', sentAt: T0 + 15 }); // no load seen: sent before the cancel
    a.clock.t = T0 + 30;
    a.loadRun('p3', 'r1'); // p3 loads it after the cancel and sends nothing
    expect(a.invariants()).toEqual([]);
    a.loadRun('p0', 'r1');
    a.clock.t = T0 + 32;
    a.request('r1');
    expect(a.invariants()).toEqual(['cancel-stops']);
  });

  it('attempts: an attempt past the retries, or at max_attempts', () => {
    const a = audit();
    a.createRun('r1', FN.chain);
    a.createRun('f1', FN.fragileFailure);
    a.request('r1', { jobId: 'j1', attempt: SIM_RETRIES, maxAttempts: SIM_RETRIES + 1 });
    a.request('f1', { jobId: 'j2', attempt: SIM_RETRIES + 2, maxAttempts: 21 }); // system retries
    expect(a.invariants()).toEqual([]);
    a.request('r1', { jobId: 'j1', attempt: SIM_RETRIES + 1, maxAttempts: 100 });
    expect(a.invariants()).toEqual(['attempts']);
    const b = audit();
    b.createRun('f1', FN.fragileFailure);
    b.request('f1', { jobId: 'j2', attempt: 20, maxAttempts: 21 });
    expect(b.invariants()).toEqual([]);
    b.request('f1', { jobId: 'j2', attempt: 21, maxAttempts: 21 });
    expect(b.invariants()).toEqual(['attempts']);
  });

  it('backoff: a next attempt sooner than the table or Retry-After allow', () => {
    const table = (attempt: number) => BACKOFF_TABLE_MS[attempt]! * BACKOFF_SCALE;
    const allowance = 2 * MAX_SKEW_MS;
    const a = audit();
    const first = a.request('r1', { jobId: 'j' });
    a.clock.t = T0 + 5;
    a.fate(first, failed);
    a.clock.t += table(0) - allowance + 10; // early, but within the skew allowance
    const second = a.request('r1', { jobId: 'j', attempt: 1 });
    a.clock.t += 1;
    a.request('r1', { jobId: 'j', attempt: 1 }); // the same attempt again (a re-lease)
    a.fate(second, failed);
    expect(a.invariants()).toEqual([]);
    a.clock.t += table(1) - allowance - 10;
    a.request('r1', { jobId: 'j', attempt: 2 });
    expect(a.invariants()).toEqual(['backoff']);

    const busy: SdkFate = { kind: 'answered', status: 500, retryAfterMs: 2000, ranSdk: false };
    const b = audit();
    const k = b.request('r1', { jobId: 'k' });
    b.fate(k, busy);
    b.clock.t += 2000 - allowance + 10;
    b.request('r1', { jobId: 'k', attempt: 1 });
    expect(b.invariants()).toEqual([]);
    // well past the table's wait, but not the Retry-After's
    const n = b.request('r2', { jobId: 'n' });
    b.fate(n, busy);
    b.clock.t += 2000 - allowance - 10;
    expect(2000 - allowance - 10).toBeGreaterThan(table(0));
    b.request('r2', { jobId: 'n', attempt: 1 });
    expect(b.invariants()).toEqual(['backoff']);
  });
});
