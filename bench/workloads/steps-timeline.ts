import { performance } from 'node:perf_hooks';
import type { FinishedRun, LifecycleListener } from '../../src/index.js';
import { LatencyHistogram } from '../harness/histogram.js';

/** What one run has done so far, in performance.now() ms. */
interface RunTimes {
  requests: number;
  firstStarted: number;
  lastStarted: number;
  lastFinished: number;
}

/**
 * The timeline of one measured phase of the steps workload, fed by the engine's lifecycle
 * listener: per run, the step-to-step overhead (from durq receiving a response to durq sending the
 * next request of the same run), the step cycle (request to next request) and the request time
 * as durq sees it; and when runs end.
 */
export class Phase {
  /** Response k -> request k+1 of the same run: durq's own time between two steps. */
  readonly gap = new LatencyHistogram();
  /** Request k -> request k+1: one whole step as the run lives it. */
  readonly cycle = new LatencyHistogram();
  /** Request -> response, between onStepStarted and onStepFinished. */
  readonly request = new LatencyHistogram();
  /** engine.send() called -> the run's first request. */
  readonly startup = new LatencyHistogram();
  /** The run's last response -> onFunctionFinished (its finish item ran). */
  readonly teardown = new LatencyHistogram();
  /** engine.send() called -> onFunctionFinished: the whole run. */
  readonly runTime = new LatencyHistogram();
  /** Every gap as [response, next request], when kept (for attributing it to Redis calls). */
  readonly gaps: [number, number][] | null;
  requests = 0;
  /** Requests for an attempt > 0 (a retried step) and responses that were not ops or a result. */
  retries = 0;
  errors = 0;
  /** Runs that ended, and those of them that did not complete with the expected result. */
  ended = 0;
  wrong = 0;
  /** When the current engine.send() was called, and how long it took (ms). */
  sentAt = 0;
  sendMs = 0;
  private readonly runs = new Map<string, RunTimes>();
  private waiter: { n: number; resolve: () => void } | null = null;

  constructor(
    private readonly expected: unknown,
    keepGaps = false,
  ) {
    this.gaps = keepGaps ? [] : null;
  }

  started(runId: string, attempt: number, now: number): void {
    this.requests++;
    if (attempt > 0) this.retries++;
    const r = this.runs.get(runId);
    if (!r) {
      this.runs.set(runId, { requests: 1, firstStarted: now, lastStarted: now, lastFinished: 0 });
      this.startup.recordMs(now - this.sentAt);
      return;
    }
    r.requests++;
    this.cycle.recordMs(now - r.lastStarted);
    if (r.lastFinished > 0) {
      this.gap.recordMs(now - r.lastFinished);
      this.gaps?.push([r.lastFinished, now]);
    }
    r.lastStarted = now;
  }

  finished(runId: string, outcome: string, now: number): void {
    const r = this.runs.get(runId);
    if (outcome !== 'ops' && outcome !== 'result') this.errors++;
    if (!r) return;
    this.request.recordMs(now - r.lastStarted);
    r.lastFinished = now;
  }

  runEnded(run: FinishedRun, now: number): void {
    const r = this.runs.get(run.runId);
    if (!r) return; // a run of an earlier phase
    this.ended++;
    if (run.status !== 'completed' || run.result !== this.expected) this.wrong++;
    if (r.lastFinished > 0) this.teardown.recordMs(now - r.lastFinished);
    this.runTime.recordMs(now - this.sentAt);
    if (this.waiter && this.ended >= this.waiter.n) this.waiter.resolve();
  }

  /** Resolves true once `n` runs of this phase ended, false after `timeoutMs`. */
  whenEnded(n: number, timeoutMs: number): Promise<boolean> {
    if (this.ended >= n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve(true);
        },
      };
    });
  }
}

/** The engine's lifecycle listener: hands every event to the current phase, if any. */
export class StepTimeline implements LifecycleListener {
  phase: Phase | null = null;

  onStepStarted(e: { run: { runId: string }; attempt: number }): void {
    this.phase?.started(e.run.runId, e.attempt, performance.now());
  }

  onStepFinished(e: { run: { runId: string }; outcome: string }): void {
    this.phase?.finished(e.run.runId, e.outcome, performance.now());
  }

  onFunctionFinished(run: FinishedRun): void {
    this.phase?.runEnded(run, performance.now());
  }

  onFunctionFailed(run: FinishedRun): void {
    this.phase?.runEnded(run, performance.now());
  }

  onFunctionCancelled(run: FinishedRun): void {
    this.phase?.runEnded(run, performance.now());
  }
}
