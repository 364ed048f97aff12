import {
  createEngine,
  seededRandom,
  type Engine,
  type RedisTransport,
  type Random,
} from '../../src/internal.js';
import { inProcessApp, type InProcessApp } from '../../testkit/in-process-sdk.js';
import { SIM_PROCESSOR_TUNING, type SimOptions } from '../options.js';
import type { Scheduler } from '../scheduler.js';
import { SimClock } from '../sim-clock.js';
import { START_MS } from '../start-time.js';
import type { Trace } from '../trace.js';
import { FN, SIM_APP_ID, simFunctions } from './functions.js';
import { FlowAuditor } from './flow-auditor.js';
import { generateGateStories, type GateStory } from './gates.js';
import { GatesAuditor } from './gates-auditor.js';
import { RunAuditor } from './run-auditor.js';
import { SdkNetwork, type SdkCallView, type SdkFault, type SdkNetworkHost } from './sdk-network.js';
import { generateStories, type Story } from './stories.js';
import type { TimersAuditor } from './timers-auditor.js';
import { timersOf, type TimersProducer } from './timers-producer.js';

/** What the executor's part of the simulation needs from the world around it. */
export interface ExecHost {
  readonly opts: SimOptions;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly faultsOn: boolean;
  isCurrent(process: string, generation: number): boolean;
  count(fault: string): void;
  fail(invariant: string, message: string): void;
  /** A Redis connection for `process` (its calls are scheduler events, faults included). */
  redisFor(process: string, generation: number): RedisTransport;
}

export const BACKOFF_SCALE = 0.01;
export const REQUEST_TIMEOUT_MS = 5000;
const APP_URL = `http://${SIM_APP_ID}.sim/api/inngest`;
const FLOW_KINDS = ['keyed', 'limited', 'throttled', 'prioritized'];
/** Stories whose runs others depend on (invoke, onFailure): no fault may fail them outright. */
const NO_RETRY_KINDS = new Set(['chain', 'fan', 'sleep', ...FLOW_KINDS]);
const CANCELLABLE_KINDS = new Set(['chain', 'fan', 'race', 'sleep', 'send', ...FLOW_KINDS]);

/**
 * The executor in the simulation: the SDK app, the stories and their producer, one engine per
 * simulated process, and the run auditor. Engines run the real executor and driver on their own
 * shard (beside the queue workload's), over the simulated Redis and the simulated SDK network.
 */
export class ExecWorld implements SdkNetworkHost {
  readonly stories: Story[];
  readonly auditor: RunAuditor;
  /** Flow control: concurrency keys, function limits, throttle, priority (flow-auditor.ts). */
  readonly flow: FlowAuditor;
  /** rateLimit, idempotency, singleton, timeouts: their events and auditor (gates-auditor.ts). */
  readonly gates: GatesAuditor;
  readonly gateStories: GateStory[];
  /** Debounce, batching and cron (timers-auditor.ts), and the events it judges. */
  readonly timers: TimersAuditor;
  private readonly timersProducer: TimersProducer;
  readonly app: InProcessApp;
  readonly random: Random;
  /** story -> what faults did to its expected end. */
  readonly overrides = new Map<
    number,
    { noRetry?: boolean; cancel?: 'cancelled' | 'maybe' | 'not' }
  >();
  private producer: Engine | null = null;
  private readonly producerRandom: Random;
  private readonly storyOfRun = new Map<string, Story>();
  private readonly storyById: Map<number, Story>;
  private emitted = 0;
  sendsPending = 0;
  /** Every story's trigger has been sent. */
  storiesTriggered = false;
  private triggersLeft: number;
  readonly counts = { sdkRequests: 0, eventsSent: 0, cancelsCalled: 0 };

  constructor(
    private readonly host: ExecHost,
    readonly shard: string,
  ) {
    const { opts } = host;
    this.random = seededRandom(`${opts.seed}/sdk`);
    this.producerRandom = seededRandom(`${opts.seed}/exec-producer`);
    this.stories = generateStories(
      seededRandom(`${opts.seed}/stories`),
      opts.runs,
      Math.round(opts.durationMs * 0.75),
      opts.faults.eventTwice,
    );
    this.storyById = new Map(this.stories.map((s) => [s.id, s]));
    this.gateStories = generateGateStories(
      seededRandom(`${opts.seed}/gates`),
      Math.round(opts.durationMs * 0.75),
      opts.faults.eventTwice,
    );
    this.triggersLeft = this.stories.length + this.gateStories.length;
    this.storiesTriggered = this.triggersLeft === 0;
    this.auditor = new RunAuditor({
      now: () => host.scheduler.now,
      fail: (i, m) => host.fail(i, m),
      maxSkewMs: opts.maxSkewMs,
      backoffScale: BACKOFF_SCALE,
    });
    this.flow = new FlowAuditor({
      now: () => host.scheduler.now,
      fail: (i, m) => host.fail(i, m),
      maxSkewMs: opts.maxSkewMs,
    });
    this.gates = new GatesAuditor({
      now: () => host.scheduler.now,
      fail: (i, m) => host.fail(i, m),
      maxSkewMs: opts.maxSkewMs,
    });
    ({ auditor: this.timers, producer: this.timersProducer } = timersOf(
      host,
      () => this.producer!,
    ));
    this.app = inProcessApp({
      host: `${SIM_APP_ID}.sim`,
      appId: SIM_APP_ID,
      functions: (inngest) =>
        simFunctions(inngest, {
          bodyRan: (runId, step) => this.auditor.bodyRan(runId, step),
          onFailureRan: (failed, runId) => this.auditor.onFailureRan(failed, runId),
        }),
      fetch: (url, init) => this.eventApi(url, init),
      quiet: true,
    });
    this.auditor.onRunCreated = (runId) => this.cue(runId, 'created');
    this.auditor.onPauseCreated = (runId) => this.cue(runId, 'paused');
    this.auditor.onRunEnded = (runId) => this.cue(runId, 'ended');
  }

  get scheduler(): Scheduler {
    return this.host.scheduler;
  }
  get trace(): Trace {
    return this.host.trace;
  }
  get faultsOn(): boolean {
    return this.host.faultsOn;
  }
  get sdkFaults() {
    return this.host.opts.faults;
  }
  isCurrent(process: string, generation: number): boolean {
    return this.host.isCurrent(process, generation);
  }
  count(fault: string): void {
    this.host.count(fault);
  }

  /** A simulated process's engine: the real executor, on this process's clock and connections. */
  async startEngine(process: string, generation: number, clock: SimClock): Promise<Engine> {
    const { opts } = this.host;
    return await createEngine({
      redis: this.host.redisFor(process, generation),
      httpTransport: new SdkNetwork(this, this.app, process, generation),
      clock,
      random: seededRandom(`${opts.seed}/${process}/${generation}/engine`),
      shardName: this.shard,
      concurrency: opts.concurrency,
      backoffScale: BACKOFF_SCALE,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      openTelemetry: false,
      log: () => {},
      graceMs: opts.maxSkewMs,
      processor: { leaseMs: opts.leaseMs, ...SIM_PROCESSOR_TUNING },
    });
  }

  /** Registers the app, then sends every story's events at their times. */
  scheduleProducer(): void {
    const clock = new SimClock(this.scheduler, 'producer', 0, () => true);
    this.scheduler.schedule(START_MS, 'producer', () => void this.startProducer(clock));
  }

  private async startProducer(clock: SimClock): Promise<void> {
    {
      const engine = await createEngine({
        redis: this.host.redisFor('producer', 1),
        httpTransport: new SdkNetwork(this, this.app, 'producer', 1),
        clock,
        random: this.producerRandom,
        shardName: this.shard,
        process: false,
        openTelemetry: false,
        log: () => {},
      });
      this.producer = engine;
      void this.retrying('register', () => engine.registerApp(APP_URL)).then(() => {
        this.timers.registeredAt = this.scheduler.now;
        this.timersProducer.start();
        for (const s of this.stories)
          this.scheduler.schedule(START_MS + s.arrivalMs, 'producer', () => void this.trigger(s));
        for (const g of this.gateStories)
          this.scheduler.schedule(START_MS + g.arrivalMs, 'producer', () => void this.trigger(g));
      });
    }
  }

  /** A story's trigger, after its 'before' events have been received (faults may delay them). */
  private async trigger(s: Story | GateStory): Promise<void> {
    if ('side' in s)
      for (const side of s.side) if (side.timing === 'before') await this.sendSide(s, side);
    await this.send([s.event]);
    if (s.twice && this.faultsOn) {
      this.count('eventTwice');
      await this.send([s.event]);
    }
    if (--this.triggersLeft === 0) this.storiesTriggered = true;
  }

  private sendSide(s: Story, side: Story['side'][number]): Promise<void> {
    const key = side.matching ? s.event.data.key : `${s.event.data.key}-other`;
    return this.send([{ name: side.name, data: { key, story: s.id } }]);
  }

  /** A cue from the auditor: a story's side events may be due now. */
  private cue(runId: string, what: 'created' | 'paused' | 'ended'): void {
    const story = this.storyFor(runId);
    if (!story) return;
    for (const side of story.side) {
      const due =
        (side.timing === 'during' &&
          what === (side.name === 'sim/cancel' ? 'created' : 'paused')) ||
        (side.timing === 'after' && what === 'ended');
      if (due)
        this.scheduler.schedule(
          this.scheduler.now + side.delayMs,
          'producer',
          () => void this.sendSide(story, side),
        );
    }
  }

  /** The story a run belongs to (its trigger's `data.story`), for the story's own function. */
  storyFor(runId: string): Story | undefined {
    const cached = this.storyOfRun.get(runId);
    if (cached) return cached;
    const facts = this.auditor.runs.get(runId);
    const story = facts?.story === undefined ? undefined : this.storyById.get(facts.story);
    if (!story || facts?.functionId !== `sim-${story.kind}`) return undefined;
    this.storyOfRun.set(runId, story);
    return story;
  }

  private async send(events: unknown[]): Promise<void> {
    this.sendsPending++;
    this.counts.eventsSent += events.length;
    await this.retrying('send', () => this.producer!.send(events));
    this.sendsPending--;
  }

  /** Retries a producer call until it gets through (the producer never gives up on a fault). */
  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const clock = new SimClock(this.scheduler, 'producer', 0, () => true);
    for (let tries = 0; ; tries++) {
      try {
        return await call();
      } catch (err) {
        if (tries > 1000)
          throw new Error(`producer ${what} kept failing: ${String(err)}`, { cause: err });
        await clock.sleep(10 * Math.min(tries + 1, 20));
      }
    }
  }

  /** The SDK client's Event API (step.sendEvent): accepted at once, ingested by the producer. */
  private async eventApi(url: unknown, init?: RequestInit): Promise<Response> {
    const body = JSON.parse(String(init?.body ?? '[]')) as unknown;
    // the SDK stamps `ts` from its own (real) clock: the simulation's Event API restamps it
    const events = (Array.isArray(body) ? body : [body]).map((e) => ({
      ...(e as object),
      ts: this.scheduler.now,
    }));
    const ids = events.map(() => `emitted-${this.emitted++}`);
    // counted as pending at once: the run that sent it may end before the send starts
    this.sendsPending++;
    // Fire and forget: an event that awaited product work would wait on later events forever.
    this.scheduler.schedule(this.scheduler.now + 1, 'producer', () => {
      void this.send(events).then(() => this.sendsPending--);
    });
    void url;
    return new Response(JSON.stringify({ ids, status: 200 }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }

  // SdkNetworkHost

  allows(fault: SdkFault, call: SdkCallView): boolean {
    const story = this.storyFor(call.runId);
    if (fault !== 'sdkNoRetry') return true;
    if (!story || !NO_RETRY_KINDS.has(story.kind)) return false;
    const o = this.overrides.get(story.id) ?? {};
    o.noRetry = true;
    this.overrides.set(story.id, o);
    return true;
  }

  /**
   * Each SDK call; the cancel-during-step fault fires here. Its call's answer is then held back
   * 50 ms, so the cancel usually commits first and the step's commit meets an ended run.
   */
  onRequest(call: SdkCallView): { holdMs: number } {
    this.counts.sdkRequests++;
    this.gates.onRequest(call);
    this.auditor.onRequest(call);
    const story = this.storyFor(call.runId);
    const none = { holdMs: 0 };
    if (!story || !CANCELLABLE_KINDS.has(story.kind) || !this.faultsOn) return none;
    if (this.overrides.get(story.id)?.cancel !== undefined) return none;
    if (this.random.int(1000) >= this.host.opts.faults.cancelDuringStep) return none;
    this.count('cancelDuringStep');
    const o = this.overrides.get(story.id) ?? {};
    o.cancel = 'maybe';
    this.overrides.set(story.id, o);
    this.counts.cancelsCalled++;
    const producer = this.producer!;
    this.scheduler.schedule(this.scheduler.now + 1, 'producer', () => {
      void producer.cancel(call.runId).then(
        (cancelled) => (o.cancel = cancelled ? 'cancelled' : 'not'),
        () => {},
      );
    });
    return { holdMs: 50 };
  }

  onFate: SdkNetworkHost['onFate'] = (call, fate) => this.auditor.onFate(call, fate);

  /** Runs the story's trigger made for `fn` (e.g. its invoke child or onFailure run). */
  runsFor(story: Story, fn: string): string[] {
    return [...this.auditor.runs.values()]
      .filter((r) => r.functionId === fn && r.story === story.id)
      .map((r) => r.runId);
  }

  get onFailureFn(): string {
    return FN.fragileFailure;
  }
}
