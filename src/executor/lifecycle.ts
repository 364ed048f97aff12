import type { StepRecord } from '../state/run.js';

/** Which run an event is about. */
export interface RunRef {
  runId: string;
  functionId: string;
  appId: string;
  accountId: string;
}

/** A finished run, as the terminal listeners see it. */
export interface FinishedRun extends RunRef {
  status: 'completed' | 'failed' | 'cancelled';
  createdAt: number;
  startedAt?: number;
  endedAt: number;
  result?: unknown;
  error?: unknown;
  /** Its steps in completion order, with their times. */
  steps: StepRecord[];
}

/**
 * Lifecycle listeners (reference §13): called after the fact, never awaited by a run; a
 * listener that throws or rejects is logged and changes nothing. Every method is optional.
 */
export interface LifecycleListener {
  onFunctionScheduled?(e: { run: RunRef; events: unknown[] }): unknown;
  onFunctionStarted?(e: { run: RunRef }): unknown;
  onStepStarted?(e: { run: RunRef; stepId: string; attempt: number; url: string }): unknown;
  onStepFinished?(e: {
    run: RunRef;
    stepId: string;
    attempt: number;
    /** 'result' | 'ops' | 'error' (the driver's response kind). */
    outcome: string;
    ops: string[];
    durationMs: number;
    error?: unknown;
  }): unknown;
  onSleep?(e: { run: RunRef; stepId: string; until: number }): unknown;
  onWaitForEvent?(e: { run: RunRef; stepId: string; event: string; expiresAt: number }): unknown;
  onWaitForEventResumed?(e: { run: RunRef; stepId: string; timedOut: boolean }): unknown;
  onInvokeFunction?(e: {
    run: RunRef;
    stepId: string;
    target: string;
    correlationId: string;
  }): unknown;
  onInvokeFunctionResumed?(e: { run: RunRef; stepId: string; timedOut: boolean }): unknown;
  onFunctionFinished?(e: FinishedRun): unknown;
  onFunctionFailed?(e: FinishedRun): unknown;
  onFunctionCancelled?(e: FinishedRun): unknown;
}

export type LifecycleEvent = keyof LifecycleListener;

type Log = (level: 'error', message: string, fields?: Record<string, unknown>) => void;

/** Fans an event out to every listener, so that a failing listener never breaks a run. */
export class Lifecycle {
  constructor(
    private readonly listeners: readonly LifecycleListener[],
    private readonly log: Log,
  ) {}

  emit<E extends LifecycleEvent>(
    event: E,
    arg: Parameters<NonNullable<LifecycleListener[E]>>[0],
  ): void {
    for (const listener of this.listeners) {
      const method = listener[event] as ((a: typeof arg) => unknown) | undefined;
      if (typeof method !== 'function') continue;
      try {
        const r = method.call(listener, arg);
        if (r instanceof Promise) r.catch((err: unknown) => this.failed(event, err));
      } catch (err) {
        this.failed(event, err);
      }
    }
  }

  private failed(event: string, err: unknown): void {
    try {
      this.log('error', `lifecycle listener ${event} threw`, { error: String(err) });
    } catch {
      // the logger itself threw: nothing left to tell
    }
  }
}
