import {
  SdkRequestError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type Random,
} from '../../src/internal.js';
import type { InProcessApp } from '../../testkit/in-process-sdk.js';
import { callApp, withoutTiming } from '../../testkit/in-process-sdk.js';
import { SDK_FAULTS, type SdkFault, type SdkFaultRates } from '../options.js';
import type { Scheduler } from '../scheduler.js';
import type { Trace } from '../trace.js';

/** What an SDK request carried, as the auditor reads it (from its headers and v2 body). */
export interface SdkCallView {
  process: string;
  runId: string;
  jobId: string;
  stepId: string;
  fnId: string;
  attempt: number;
  maxAttempts: number;
  story: number | undefined;
  /** The memo the request carried: step ID -> JSON. */
  steps: Record<string, string>;
  sentAt: number;
}

/** How an SDK request ended, as the driver saw it. */
export type SdkFate =
  | { kind: 'answered'; status: number; retryAfterMs?: number; ranSdk: boolean }
  | { kind: 'failed'; reason: string; ranSdk: boolean };

export type { SdkFault } from '../options.js';

/** What the network needs from the simulation around it. */
export interface SdkNetworkHost {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly faultsOn: boolean;
  readonly sdkFaults: SdkFaultRates;
  readonly random: Random;
  isCurrent(process: string, generation: number): boolean;
  count(fault: string): void;
  /** May this fault hit this call (e.g. no-retry only where the run has no dependents)? */
  allows(fault: SdkFault, call: SdkCallView): boolean;
  /** Sees each call as it reaches the app; may hold its answer back (e.g. while a cancel lands). */
  onRequest(call: SdkCallView): { holdMs: number };
  onFate(call: SdkCallView, fate: SdkFate): void;
}

const SDK_HEADER = { 'x-inngest-sdk': 'inngest-js:sim', 'content-type': 'application/json' };

/** How a served call ends: an answer after `delay` ms, or a failure at virtual time `at`. */
interface Reply {
  answer(res: HttpResponse, ranSdk: boolean, delay: number): void;
  fail(reason: 'connect' | 'timeout' | 'network', ranSdk: boolean, at: number): void;
}

/** An error answer in the SDK's own form (its header, a serialized error body). */
function sdkError(status: number, message: string, headers: Record<string, string>): HttpResponse {
  return {
    status,
    headers: { ...SDK_HEADER, ...headers },
    body: JSON.stringify({ name: 'Error', message }),
  };
}

/**
 * One simulated process's HTTP seam: each request to the in-process SDK app is a scheduler event
 * whose latency and fate the seed decides. The app itself runs to completion inside that event
 * (it needs nothing from later events), so its answer is fixed by what it was sent. Faults are
 * drawn only before a step's last two attempts: those always reach the SDK, so a planned outcome
 * stays reachable and each run's end stays predictable.
 */
export class SdkNetwork implements HttpTransport {
  constructor(
    private readonly host: SdkNetworkHost,
    private readonly app: InProcessApp,
    readonly process: string,
    readonly generation: number,
  ) {}

  send(req: HttpRequest): Promise<HttpResponse> {
    const { host } = this;
    const { scheduler } = host;
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(aborted(req));
      const onAbort = () => reject(aborted(req));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      // an answer's arrival only resumes product code: calls behind it may share its batch
      const settle = (at: number, outcome: () => void) =>
        scheduler.schedule(
          at,
          this.process,
          () => {
            req.signal?.removeEventListener('abort', onAbort);
            // a crashed process never hears back
            if (host.isCurrent(this.process, this.generation)) outcome();
          },
          { productOnly: true },
        );
      // The request is on the wire once sent: its arrival is the network's (owner ''), so a
      // process that pauses right after sending does not hold it back. (A pause before the send
      // holds the process's own events; the engine then finds its lease expired and sends none.)
      scheduler.schedule(scheduler.now + 1 + host.random.int(4), '', async () => {
        if (!host.isCurrent(this.process, this.generation) || req.signal?.aborted) return;
        if (req.method !== 'POST') {
          const res = await this.callApp(req);
          return void settle(scheduler.now + 1, () => resolve(res));
        }
        const call = viewOf(this.process, req, scheduler.now);
        const { holdMs } = host.onRequest(call);
        const fault = this.drawFault(call);
        const line = `${this.process} sdk ${call.fnId} ${call.runId} ${call.stepId} a${call.attempt}${fault ? ` [${fault}]` : ''}`;
        await this.serve(req, call, fault, {
          answer: (res, ranSdk, wait) => {
            const delay = wait + holdMs;
            host.trace.add(
              scheduler.now,
              `${line} -> ${res.status} ${JSON.stringify(withoutTiming(res.body))}`,
            );
            settle(scheduler.now + delay, () => {
              host.onFate(call, {
                kind: 'answered',
                status: res.status,
                ...retryAfter(res),
                ranSdk,
              });
              resolve(res);
            });
          },
          fail: (reason, ranSdk, at) => {
            host.trace.add(scheduler.now, `${line} -> ${reason}`);
            settle(at, () => {
              host.onFate(call, { kind: 'failed', reason, ranSdk });
              reject(new SdkRequestError(reason, req.url, `${fault} (injected)`));
            });
          },
        });
      });
    });
  }

  /** What the driver gets for one call: the SDK's answer, or what the fault makes of it. */
  private async serve(
    req: HttpRequest,
    call: SdkCallView,
    fault: SdkFault | null,
    reply: Reply,
  ): Promise<void> {
    switch (fault) {
      case 'sdkRefused':
        return reply.fail('connect', false, this.host.scheduler.now + 1);
      case 'sdkServerError':
        return reply.answer({ status: 502, headers: {}, body: 'bad gateway (injected)' }, false, 1);
      case 'sdkNoRetry':
        return reply.answer(
          sdkError(400, 'no retry (injected)', { 'x-inngest-no-retry': 'true' }),
          false,
          1,
        );
      case 'sdkRetryAfter': {
        const seconds = String(1 + this.host.random.int(3));
        return reply.answer(sdkError(500, 'busy (injected)', { 'retry-after': seconds }), false, 1);
      }
      default:
    }
    const res = await this.callApp(req);
    switch (fault) {
      case 'sdkTimeout':
        return reply.fail('timeout', true, call.sentAt + req.timeoutMs);
      case 'sdkResponseLost':
        return reply.fail('network', true, this.host.scheduler.now + 1);
      case 'sdkMalformed':
        return reply.answer({ ...res, body: truncated(res.body) }, true, 1);
      case 'sdkNoHeader':
        return reply.answer({ ...res, headers: { 'content-type': 'application/json' } }, true, 1);
      default:
        return reply.answer(res, true, 1 + this.host.random.int(10));
    }
  }

  async close(): Promise<void> {}

  private drawFault(call: SdkCallView): SdkFault | null {
    const { host } = this;
    if (!host.faultsOn || call.attempt >= call.maxAttempts - 2) return null;
    let r = host.random.int(1000);
    for (const f of SDK_FAULTS) {
      r -= host.sdkFaults[f];
      if (r < 0) {
        if (!host.allows(f, call)) return null;
        host.count(f);
        return f;
      }
    }
    return null;
  }

  private callApp(req: HttpRequest): Promise<HttpResponse> {
    return callApp(this.app, req);
  }
}

/** The SDK's answer cut short (timing dropped first: its length is the SDK's real clock's). */
function truncated(body: string): string {
  const whole = JSON.stringify(withoutTiming(body));
  return whole.slice(0, Math.floor(whole.length / 2)) + '{';
}

function aborted(req: HttpRequest): SdkRequestError {
  return new SdkRequestError('aborted', req.url, 'aborted by the caller');
}

function retryAfter(res: HttpResponse): { retryAfterMs?: number } {
  const v = res.headers['retry-after'];
  return v === undefined ? {} : { retryAfterMs: Number(v) * 1000 };
}

/** Reads the request the way the auditor needs it: headers, ctx and memo. */
function viewOf(process: string, req: HttpRequest, now: number): SdkCallView {
  const body = JSON.parse(req.body ?? '{}') as {
    event?: { data?: { story?: number } };
    steps?: Record<string, unknown>;
    ctx?: { run_id?: string; attempt?: number; max_attempts?: number };
  };
  const url = new URL(req.url);
  const steps: Record<string, string> = {};
  for (const [id, v] of Object.entries(body.steps ?? {})) steps[id] = JSON.stringify(v);
  return {
    process,
    runId: body.ctx?.run_id ?? '',
    jobId: req.headers['X-Inngest-Job-ID'] ?? '',
    stepId: req.headers['X-Inngest-Step-ID'] ?? url.searchParams.get('stepId') ?? '',
    fnId: url.searchParams.get('fnId') ?? '',
    attempt: body.ctx?.attempt ?? -1,
    maxAttempts: body.ctx?.max_attempts ?? -1,
    story: body.event?.data?.story,
    steps,
    sentAt: now,
  };
}
