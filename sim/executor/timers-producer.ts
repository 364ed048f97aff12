import { seededRandom } from '../../src/internal.js';
import type { SimOptions } from '../options.js';
import type { Scheduler } from '../scheduler.js';
import { SimClock } from '../sim-clock.js';
import { START_MS } from '../start-time.js';
import {
  generateTimerEvents,
  TIMER_EVENT,
  type TimerEvent,
  type TimerEventData,
} from './flow-timers.js';
import { TimersAuditor } from './timers-auditor.js';

export interface TimersProducerHost {
  readonly scheduler: Scheduler;
  readonly faultsOn: boolean;
  count(fault: string): void;
  /** One send through the producer's engine (no retry): rejects on any fault. */
  send(events: unknown[]): Promise<unknown>;
}

/** Sends attempts of one event at most this many times (the producer never gives up sooner). */
const TRIES_MAX = 1000;

/**
 * Sends the timers workload's events at their times, one event per send, each send attempt with
 * its own `data.u` (`<seq>.<copy>.<try>`), so the auditor can tell every stored event apart: a
 * failed attempt may still have been stored and routed, and the retry is another event. Every
 * attempt that resolved is reported to the auditor as delivered.
 */
export class TimersProducer {
  private left: number;

  constructor(
    private readonly host: TimersProducerHost,
    private readonly auditor: TimersAuditor,
    readonly events: readonly TimerEvent[],
  ) {
    this.left = events.length;
    auditor.producerDone = this.left === 0;
  }

  /** Schedules every event (the app is registered). */
  start(): void {
    for (const e of this.events)
      this.host.scheduler.schedule(START_MS + e.arrivalMs, 'producer', () => void this.deliver(e));
  }

  private async deliver(e: TimerEvent): Promise<void> {
    await this.sendCopy(e, 0);
    if (e.twice && this.host.faultsOn) {
      this.host.count('eventTwice');
      await this.sendCopy(e, 1);
    }
    if (--this.left === 0) this.auditor.producerDone = true;
  }

  private async sendCopy(e: TimerEvent, copy: number): Promise<void> {
    const clock = new SimClock(this.host.scheduler, 'producer', 0, () => true);
    for (let tries = 0; ; tries++) {
      const data: TimerEventData = {
        seq: e.seq,
        tkey: e.key,
        u: `${e.seq}.${copy}.${tries}`,
        plan: {},
      };
      const event = { id: `timer-${e.seq}`, name: TIMER_EVENT[e.fn], ts: START_MS + e.tsMs, data };
      try {
        await this.host.send([event]);
        this.auditor.delivery(data.u, e.fn);
        return;
      } catch (err) {
        if (tries > TRIES_MAX)
          throw new Error(`timer event ${e.seq} kept failing: ${String(err)}`, { cause: err });
        await clock.sleep(10 * Math.min(tries + 1, 20));
      }
    }
  }
}

/** The timers auditor and producer of an executor world (`engine`: the producer's engine). */
export function timersOf(
  host: {
    readonly opts: SimOptions;
    readonly scheduler: Scheduler;
    readonly faultsOn: boolean;
    count(fault: string): void;
    fail(invariant: string, message: string): void;
  },
  engine: () => { send(events: unknown[]): Promise<unknown> },
): { auditor: TimersAuditor; producer: TimersProducer } {
  const { opts } = host;
  const auditor = new TimersAuditor({
    now: () => host.scheduler.now,
    fail: (i, m) => host.fail(i, m),
    maxSkewMs: opts.maxSkewMs,
    safetyEndMs: START_MS + opts.durationMs,
  });
  const events = generateTimerEvents(
    seededRandom(`${opts.seed}/timers`),
    opts.runs,
    Math.round(opts.durationMs * 0.75),
    opts.faults.eventTwice,
  );
  const producerHost: TimersProducerHost = {
    scheduler: host.scheduler,
    get faultsOn() {
      return host.faultsOn;
    },
    count: (f) => host.count(f),
    send: (e) => engine().send(e),
  };
  return { auditor, producer: new TimersProducer(producerHost, auditor, events) };
}
