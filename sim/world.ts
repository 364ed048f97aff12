import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createProcessor,
  NonRetriableError,
  Queue,
  QueueShard,
  RetryAtError,
  seededRandom,
  type IoredisTransport,
  type Engine,
  type Processor,
  type QueueItem,
  type Random,
  type ScriptArg,
} from '../src/index.js';
import { ShardKeys } from '../src/internal.js';
import { Auditor } from './checks/auditor.js';
import { ExecWorld } from './executor/exec-world.js';
import { SIM_PROCESSOR_TUNING, type SimOptions } from './options.js';
import { Scheduler } from './scheduler.js';
import { SimClock } from './sim-clock.js';
import { SimTransport, type SimNetwork } from './sim-transport.js';
import { Trace } from './trace.js';
import { WakeFence, type WakeTicket } from './wake-fence.js';
import type { AttemptPlan, Workload } from './workload.js';

/**
 * The run's shard name, derived from its seed: pub/sub ignores the DB number, so two runs on one
 * server (different --db) must not share a wake channel.
 */
export function simShard(seed: string): string {
  return `sim-${createHash('sha256').update(seed).digest('hex').slice(0, 10)}`;
}

/** The executor's shard (its runs and items), beside the queue workload's. */
export function simExecShard(seed: string): string {
  return `${simShard(seed)}-x`;
}

interface SimProcessState {
  name: string;
  generation: number;
  alive: boolean;
  skewMs: number;
  pausedUntil: number;
  cutOffUntil: number;
  processor: Processor | null;
  engine: Engine | null;
}

interface Subscription {
  process: string;
  generation: number;
  channel: string;
  onMessage: (m: string) => void;
}

/** Everything one simulation run owns: time, Redis, the processes, the faults and the checks. */
export class World implements SimNetwork {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly auditor: Auditor;
  readonly processes = new Map<string, SimProcessState>();
  readonly faultCounts: Record<string, number> = {};
  faultsOn = true;
  producerDone = false;
  lost = 0;
  readonly scriptsSent = new Set<string>();
  private subscriptions: Subscription[] = [];
  private readonly wakes: WakeFence;
  private readonly random: { net: Random; faults: Random; clocks: Random; crashes: Random };
  /** The executor's part (null when the scenario has no runs). */
  readonly exec: ExecWorld | null;

  constructor(
    readonly opts: SimOptions,
    readonly workload: Workload,
    readonly real: IoredisTransport,
    subscriber: Redis,
    startMs: number,
    traceFd: number | null = null,
  ) {
    this.scheduler = new Scheduler(startMs);
    this.trace = new Trace(60, traceFd);
    this.scheduler.pausedUntil = (owner) => this.processes.get(owner)?.pausedUntil ?? 0;
    const sub = (name: string) => seededRandom(`${opts.seed}/${name}`);
    this.random = {
      net: sub('network'),
      faults: sub('faults'),
      clocks: sub('clocks'),
      crashes: sub('exec-crashes'),
    };
    this.auditor = new Auditor(
      workload,
      (p) => this.viewOf(p),
      opts.maxSkewMs,
      () => this.scheduler.now,
    );
    const channel = new ShardKeys(simShard(opts.seed)).wakeChannel();
    this.wakes = new WakeFence(real.client as Redis, subscriber, channel);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const world = this;
    this.exec =
      opts.runs > 0
        ? new ExecWorld(
            {
              opts,
              scheduler: this.scheduler,
              trace: this.trace,
              get faultsOn() {
                return world.faultsOn;
              },
              isCurrent: (p, g) => this.isCurrent(p, g),
              count: (f) => this.count(f),
              fail: (i, m) => this.auditor.fail(i, m),
              redisFor: (p, g) => new SimTransport(this, p, g, 'executor'),
            },
            simExecShard(opts.seed),
          )
        : null;
  }

  observe(process: string, script: string, args: readonly ScriptArg[], reply: unknown): void {
    this.auditor.observe(process, script, args, reply);
  }

  observeExec(
    process: string,
    script: string,
    keys: readonly string[],
    args: readonly ScriptArg[],
    reply: unknown,
  ): void {
    this.exec?.auditor.observe(process, script, keys, args, reply);
    this.exec?.flow.observe(script, args, reply, process);
    this.exec?.gates.observe(process, script, keys, args, reply);
    this.exec?.timers.observe(script, args, reply);
  }

  /**
   * ‰ per executor call (while faults are on): the process crashes at the call's instant, just
   * before it, and restarts later. Drawn as the call is issued; the crash is its own event.
   */
  crashBeforeExecCall(process: string, at: number): boolean {
    if (!this.faultsOn || process === 'producer') return false;
    if (this.random.crashes.int(1000) >= this.opts.faults.execCrash) return false;
    this.scheduler.schedule(at, process, () => {
      if (!this.processes.get(process)?.alive) return;
      this.crash(process);
      this.count('execCrash');
      this.scheduler.schedule(this.scheduler.now + 200 + this.random.crashes.int(1800), '', () => {
        if (!this.processes.get(process)?.alive) void this.startProcess(process);
      });
    });
    return true;
  }

  count(fault: string): void {
    this.faultCounts[fault] = (this.faultCounts[fault] ?? 0) + 1;
  }

  viewOf(process: string): { skewMs: number; alive: boolean } {
    const p = this.processes.get(process);
    return { skewMs: p?.skewMs ?? 0, alive: p?.alive ?? false };
  }

  isCurrent(process: string, generation: number): boolean {
    if (process === 'producer') return true;
    const p = this.processes.get(process);
    return !!p && p.alive && p.generation === generation;
  }

  /** Virtual ms a Redis call takes to reach the server: 0 or 1, seeded. */
  callLatency(): number {
    return this.random.net.int(2);
  }

  /** Whether this call fails before Redis, loses its reply, or goes through. */
  callFault(process: string): 'fail-before' | 'reply-lost' | null {
    const p = this.processes.get(process);
    if (p && p.cutOffUntil > this.scheduler.now) return 'fail-before';
    if (!this.faultsOn) return null;
    const r = this.random.faults.int(1000);
    if (r < this.opts.faults.redisFailBefore) return (this.count('redisFailBefore'), 'fail-before');
    if (r < this.opts.faults.redisFailBefore + this.opts.faults.redisReplyLost)
      return (this.count('redisReplyLost'), 'reply-lost');
    return null;
  }

  subscribe(
    process: string,
    generation: number,
    channel: string,
    onMessage: (m: string) => void,
  ): () => void {
    const s: Subscription = { process, generation, channel, onMessage };
    this.subscriptions.push(s);
    return () => {
      this.subscriptions = this.subscriptions.filter((x) => x !== s);
    };
  }

  /** A marker behind the calls sent so far, for collectWakes (see WakeFence). */
  markWakes(): WakeTicket {
    return this.wakes.mark();
  }

  /** After a script that may publish: its wake-ups (those before its marker) are delivered. */
  async collectWakes(ticket?: WakeTicket): Promise<void> {
    const messages = await this.wakes.collect(ticket);
    for (const m of messages) {
      for (const s of this.subscriptions) {
        if (s.channel !== m.channel) continue;
        const at = this.scheduler.now + this.callLatency();
        this.scheduler.schedule(
          at,
          s.process,
          () => {
            if (this.isCurrent(s.process, s.generation)) s.onMessage(m.message);
          },
          { productOnly: true },
        );
      }
    }
  }

  /** Starts (or restarts) a simulated process with a fresh processor. */
  async startProcess(name: string): Promise<void> {
    const prev = this.processes.get(name);
    const skewed = this.faultsOn && this.random.clocks.int(1000) < this.opts.faults.clockSkew;
    const state: SimProcessState = {
      name,
      generation: (prev?.generation ?? 0) + 1,
      alive: true,
      skewMs: skewed ? this.random.clocks.int(this.opts.maxSkewMs + 1) : 0,
      pausedUntil: 0,
      cutOffUntil: 0,
      processor: null,
      engine: null,
    };
    this.processes.set(name, state);
    const generation = state.generation;
    const clock = new SimClock(this.scheduler, name, state.skewMs, () =>
      this.isCurrent(name, generation),
    );
    const transport = new SimTransport(this, name, generation);
    const random = seededRandom(`${this.opts.seed}/${name}/${generation}`);
    const shard = new QueueShard({
      name: simShard(this.opts.seed),
      transport,
      clock,
      random,
      graceMs: this.opts.maxSkewMs,
    });
    const queue = new Queue({ shards: [shard], clock, random });
    this.trace.add(this.scheduler.now, `${name} start gen ${generation} skew ${state.skewMs}`);
    state.processor = await createProcessor(this.processorOptions(queue, clock));
    if (this.exec && this.isCurrent(name, generation))
      state.engine = await this.exec.startEngine(name, generation, clock);
  }

  private processorOptions(queue: Queue, clock: SimClock) {
    const { workload, opts } = this;
    return {
      queue,
      concurrency: opts.concurrency,
      leaseMs: opts.leaseMs,
      backoffScale: 0.01,
      ...SIM_PROCESSOR_TUNING,
      limits: {
        account: (a: string) => workload.accountConcurrency.get(a),
        function: (f: string, a: string) =>
          workload.functions.find((x) => x.functionId === f && x.accountId === a)?.concurrency,
      },
      hooks: {
        log: () => {},
        onPermanentFailure: (item: QueueItem, err: unknown) =>
          this.auditor.onPermanentFailure(
            item.id,
            item.attempt,
            item.maxAttempts,
            !(err instanceof NonRetriableError),
          ),
      },
      handler: (item: QueueItem, ctx: { signal: AbortSignal; attempt: number; payload: unknown }) =>
        this.runHandler(clock, item, ctx),
    };
  }

  /** The workload's handler: does what the item's plan says for this attempt. */
  private async runHandler(
    clock: SimClock,
    item: QueueItem,
    ctx: { signal: AbortSignal; attempt: number; payload: unknown },
  ) {
    const plan = (ctx.payload as { plan: AttemptPlan[] }).plan[Math.min(ctx.attempt, 2)]!;
    this.auditor.onHandlerStart(item.id, ctx.attempt);
    this.trace.add(
      this.scheduler.now,
      `${clock.owner} run ${item.id} attempt ${ctx.attempt} ${plan.outcome}${plan.slow ? ' slow' : ''}`,
    );
    // A slow handler ignores its signal and outlives its lease; others stop early when it aborts.
    // Slowness is a fault: once faults stop, a planned slow attempt runs at a normal pace.
    const slow = plan.slow && this.faultsOn;
    await clock.sleep(
      slow ? plan.durationMs : Math.min(plan.durationMs, 150),
      slow ? undefined : ctx.signal,
    );
    this.auditor.onHandlerEnd(item.id, ctx.attempt, plan.outcome);
    if (plan.outcome === 'error') throw new Error('planned failure');
    if (plan.outcome === 'fatal') throw new NonRetriableError('planned permanent failure');
    if (plan.outcome === 'retry-at') throw new RetryAtError('planned retry-at', clock.now() + 300);
  }

  crash(name: string): void {
    const p = this.processes.get(name);
    if (!p || !p.alive) return;
    p.alive = false;
    this.subscriptions = this.subscriptions.filter((s) => s.process !== name);
    this.count('crash');
    this.trace.add(this.scheduler.now, `${name} crash`);
  }
}
