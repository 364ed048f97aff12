import type { RedisTransport, ScriptArg } from '../src/index.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';
import type { WakeTicket } from './wake-fence.js';

/** What a simulated connection needs from the world it runs in (World provides it). */
export interface SimNetwork {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  /** The real connection every call that gets through runs on. */
  readonly real: RedisTransport;
  /** SHAs of the scripts this run has sent: the server has them cached. */
  readonly scriptsSent: Set<string>;
  /** Sees every script call that reached Redis, with Redis's reply. */
  observe(process: string, script: string, args: readonly ScriptArg[], reply: unknown): void;
  /** The same for the executor's connections (run-state scripts, keys included). */
  observeExec(
    process: string,
    script: string,
    keys: readonly string[],
    args: readonly ScriptArg[],
    reply: unknown,
  ): void;
  /**
   * Drawn as an executor call is issued: whether its process crashes just before it. If so,
   * the crash is an event of its own at the call's instant, ahead of the call (never between a
   * call's send and its run), and the call then never happens.
   */
  crashBeforeExecCall(process: string, at: number): boolean;
  /** A marker behind the calls sent so far: collectWakes(ticket) then needs no round trip. */
  markWakes(): WakeTicket;
  /** Delivers the wake-ups published before the ticket's marker (or all so far), in order. */
  collectWakes(ticket?: WakeTicket): Promise<void>;
  isCurrent(process: string, generation: number): boolean;
  callLatency(): number;
  callFault(process: string): 'fail-before' | 'reply-lost' | null;
  subscribe(
    process: string,
    generation: number,
    channel: string,
    onMessage: (m: string) => void,
  ): () => void;
}
