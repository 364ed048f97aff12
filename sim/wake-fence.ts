import type { Redis } from 'ioredis';

/** A marker PUBLISHed behind some calls (see WakeFence). */
export interface WakeTicket {
  readonly marker: string;
  /** PUBLISH's reply: rejects if the marker could not be sent. */
  readonly published: Promise<unknown>;
}

const MARKER = 'sim-wake-fence:';

/** How long a marker may take to come back before the run fails (a lost subscriber). */
const MARKER_TIMEOUT_MS = 10_000;

/**
 * The wake-ups the scripts PUBLISH, as the simulator's subscriber connection receives them,
 * cut at markers. A marker is PUBLISHed on the connection the scripts run on: Redis runs one
 * connection's commands in order and delivers one channel's messages in publish order, so once
 * the marker arrives, every wake-up published by a call sent before it has arrived too, and
 * none published by a later call. A marker sent right behind a call thus costs no round trip
 * of its own, where a PING on the subscriber after the call's reply costs one.
 */
export class WakeFence {
  /** Messages in arrival order, from every channel the subscriber listens to. */
  private received: { channel: string; message: string }[] = [];
  private markers = 0;
  private waiting: { marker: string; resolve: () => void; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly main: Redis,
    subscriber: Redis,
    private readonly channel: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      this.received.push({ channel, message });
      const { waiting } = this;
      if (message !== waiting?.marker) return;
      clearTimeout(waiting.timer);
      this.waiting = null;
      waiting.resolve();
    });
  }

  /** Publishes a marker behind every command sent so far on the main connection. */
  mark(): WakeTicket {
    const marker = `${MARKER}${++this.markers}`;
    const published = this.main.publish(this.channel, marker);
    published.catch(() => {}); // collect() reports it
    return { marker, published };
  }

  /**
   * The wake-ups received before the ticket's marker (once it arrived), markers left out, with
   * their channels: one connection's messages arrive in publish order across its channels too.
   */
  async collect(ticket: WakeTicket = this.mark()): Promise<{ channel: string; message: string }[]> {
    await ticket.published;
    const find = () => this.received.findIndex((m) => m.message === ticket.marker);
    if (find() < 0) await this.arrival(ticket.marker);
    const at = find();
    const before = this.received.slice(0, at).filter((m) => !m.message.startsWith(MARKER));
    this.received = this.received.slice(at + 1);
    return before;
  }

  private arrival(marker: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`wake-up marker ${marker} not received in ${MARKER_TIMEOUT_MS} ms`)),
        MARKER_TIMEOUT_MS,
      );
      this.waiting = { marker, resolve, timer };
    });
  }
}
