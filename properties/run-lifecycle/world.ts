import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Inngest } from 'inngest';
import {
  decodeItem,
  DurqError,
  executorHandler,
  itemPayload,
  leaseId as makeLeaseId,
  seededRandom,
  type ExecutorContext,
  type HandlerContext,
  type HandlerResult,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type ManualClock,
  type QueueItem,
  type QueueShard,
} from '../../src/internal.js';
import { inProcessApp, InProcessTransport } from '../../testkit/in-process-sdk.js';

/**
 * The world of the run-lifecycle property: a real `inngest` app served in-process, whose one
 * function per retry budget runs the program its trigger event carries; the real executor on a
 * fresh shard with a ManualClock; and a one-slot processor that runs the shard's items one at a
 * time, in an order and with the faults the property chooses.
 */

export const APP = 'lc';
export const HOST = 'lc.app';
/** Retry budgets: one SDK function each (`retries` is a function's config, not an event's). */
export const RETRIES = [0, 1, 2] as const;
export const fnSlug = (retries: number) => `prog-r${retries}`;
export const fnId = (retries: number) => `${APP}-${fnSlug(retries)}`;
export const triggerOf = (retries: number) => `lc/go-r${retries}`;
export const RESUME_EVENT = 'lc/resume';

export type Stage =
  | { kind: 'step'; id: string; fails: number }
  | { kind: 'all'; branches: { id: string; fails: number }[] }
  | { kind: 'sleep'; id: string }
  | { kind: 'wait'; id: string };

/** What the SDK side saw: step bodies called, per run and step. */
export class SdkLog {
  readonly calls = new Map<string, number>();
  count(runId: string, stepId: string): number {
    return this.calls.get(`${runId}/${stepId}`) ?? 0;
  }
  bump(runId: string, stepId: string): number {
    const n = this.count(runId, stepId) + 1;
    this.calls.set(`${runId}/${stepId}`, n);
    return n;
  }
}

/**
 * The app: `prog-r<N>` (retries N) runs the stages of its event's `data.stages` in order: a step
 * that throws on its first `fails` calls, a Promise.all of such steps, a sleep, or a wait for
 * RESUME_EVENT (10 s timeout). Each has an onFailure handler (a function of its own in Inngest).
 */
export function sdkApp(log: SdkLog) {
  return inProcessApp({
    host: HOST,
    appId: APP,
    quiet: true,
    functions: (inngest: Inngest) =>
      RETRIES.map((retries) =>
        inngest.createFunction(
          {
            id: fnSlug(retries),
            retries,
            triggers: [{ event: triggerOf(retries) }],
            onFailure: async () => 'handled',
          },
          async ({ event, step, runId }) => {
            const body = (id: string, fails: number) => () => {
              const n = log.bump(runId, id);
              if (n <= fails) throw new Error(`${id}: planned failure ${n} of ${fails}`);
              return `${id}-ok`;
            };
            for (const s of (event.data as { stages: Stage[] }).stages) {
              if (s.kind === 'step') await step.run(s.id, body(s.id, s.fails));
              else if (s.kind === 'all')
                await Promise.all(s.branches.map((b) => step.run(b.id, body(b.id, b.fails))));
              else if (s.kind === 'sleep') await step.sleep(s.id, '5s');
              else await step.waitForEvent(s.id, { event: RESUME_EVENT, timeout: '10s' });
            }
            return 'done';
          },
        ),
      ),
  });
}

/** The SDK's ID of a step used once (reference §3.5): the SHA-1 of its user ID. */
export function hashedStepId(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}

/** One exchange as the property checks it: which run, which step, what state it carried. */
export interface SdkCallRecord {
  fnId: string;
  stepId: string;
  runId: string;
  maxAttempts: number;
  attempt: number;
  steps: string[];
  status: number;
}

/** The in-process transport, recording every call request it carried. */
export class RecordingTransport implements HttpTransport {
  readonly calls: SdkCallRecord[] = [];
  constructor(private readonly inner: InProcessTransport) {}
  async send(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.inner.send(req);
    if (req.method === 'POST') {
      const url = new URL(req.url);
      const body = JSON.parse(req.body ?? '{}') as {
        steps?: Record<string, unknown>;
        ctx?: { run_id?: string; max_attempts?: number; attempt?: number };
      };
      this.calls.push({
        fnId: url.searchParams.get('fnId') ?? '',
        stepId: url.searchParams.get('stepId') ?? '',
        runId: body.ctx?.run_id ?? '',
        maxAttempts: body.ctx?.max_attempts ?? -1,
        attempt: body.ctx?.attempt ?? -1,
        steps: Object.keys(body.steps ?? {}),
        status: res.status,
      });
    }
    return res;
  }
  async close(): Promise<void> {}
}

const LEASE_MS = 30_000;

/** An error a handler threw that is not one of durq's typed errors: a bug, whatever it says. */
export class UntypedError extends Error {}

/**
 * A processor with one slot, deterministic: each `step` runs one due item (the `pick`-th of the
 * due ones, by score), advancing the clock to the next item when none is due, and settles it as
 * the processor does (the Handler contract of src/queue/processor/run/handler.ts): a handler
 * that settled the item itself is done (and may chain its next item into the slot); otherwise
 * its success is acked, and its error retried with the next attempt or, on the last one (or
 * non-retriable), dropped as a permanent failure. While `acksToLose` lasts, such a success's ack
 * never happens (the process died first): the lease runs out and the scavenger returns the item,
 * which runs again.
 */
export class OneSlot {
  /** How many more successes of items that do not settle themselves lose their ack. */
  acksToLose = 0;
  private chained: { item: QueueItem; leaseId: string } | null = null;
  readonly permanentFailures: QueueItem[] = [];
  readonly untyped: unknown[] = [];
  private readonly handler;
  private readonly random;

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly shard: QueueShard,
    private readonly clock: ManualClock,
    private readonly raw: Redis,
    seed: number,
  ) {
    this.handler = executorHandler(ctx);
    this.random = seededRandom(`slot-${seed}`);
  }

  /** The items nobody holds, earliest first. */
  private async free(): Promise<QueueItem[]> {
    const keys = this.shard.keys;
    const [items, leases] = await Promise.all([
      this.raw.hgetall(keys.items()),
      this.raw.hgetall(keys.leases()),
    ]);
    return Object.values(items)
      .map(decodeItem)
      .filter((i) => leases[i.id] === undefined)
      .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1));
  }

  /** Runs one item; false when the shard holds nothing to run. */
  async step(pick: number): Promise<boolean> {
    let next = this.chained;
    this.chained = null;
    if (next === null) {
      let free = await this.free();
      if (free.length === 0) return false;
      const now = this.clock.now();
      let due = free.filter((i) => i.wallTimeMs <= now);
      if (due.length === 0) {
        this.clock.set(Math.min(...free.map((i) => i.wallTimeMs)));
        free = await this.free();
        due = free.filter((i) => i.wallTimeMs <= this.clock.now());
      }
      const item = due[pick % due.length] as QueueItem;
      const lease = await this.shard.lease(item, { durationMs: LEASE_MS });
      // A throttled start waits for its turn (the GCRA's retry time): this step ran nothing.
      if (!lease.ok && lease.reason === 'throttled' && lease.retryAt !== undefined) {
        this.clock.set(Math.max(lease.retryAt, this.clock.now()));
        return true;
      }
      if (!lease.ok)
        throw new Error(`lease of ${item.kind} item ${item.id} refused: ${lease.reason}`);
      next = { item, leaseId: lease.leaseId };
    }
    await this.run(next.item, next.leaseId);
    return true;
  }

  private async run(item: QueueItem, leaseId: string): Promise<void> {
    let selfSettled = false;
    const hctx: HandlerContext = {
      signal: new AbortController().signal,
      attempt: item.attempt,
      payload: itemPayload(item),
      shard: this.shard.name,
      settle: async (op) => {
        selfSettled = true;
        return await op(leaseId);
      },
      chain: {
        newLease: () => {
          const expiresAt = this.clock.now() + LEASE_MS;
          return { id: makeLeaseId(expiresAt, this.random), expiresAt };
        },
        limits: {},
      },
    };
    let result: HandlerResult | void;
    try {
      result = await this.handler(item, hctx);
    } catch (err) {
      if (!(err instanceof DurqError)) this.untyped.push(err);
      const retriable = (err as { retriable?: unknown }).retriable !== false;
      if (!retriable || item.attempt + 1 >= item.maxAttempts) {
        const r = await this.shard.dequeue(item, leaseId);
        if (r.ok) this.permanentFailures.push(item);
        return;
      }
      const retryAt = (err as { retryAt?: unknown }).retryAt;
      const at = typeof retryAt === 'number' ? retryAt : this.clock.now() + 1000;
      await this.shard.requeue(item, leaseId, {
        at: Math.max(at, this.clock.now()),
        consumeAttempt: true,
      });
      return;
    }
    if (selfSettled) {
      if (result && result.next)
        this.chained = { item: result.next.item, leaseId: result.next.lease.id };
      return;
    }
    // (An item its run's finish swept while it ran has no ack to lose.)
    if (this.acksToLose === 0 || (await this.shard.getItem(item.id)) === null) {
      await this.shard.dequeue(item, leaseId);
      return;
    }
    this.acksToLose--;
    // The process died before the ack: once the lease ran out, the scavenger returns the item.
    this.clock.advance(LEASE_MS + this.shard.graceMs + 1);
    const back = await this.shard.scavenge();
    if (!back.itemIds.includes(item.id)) throw new Error(`the scavenger did not return ${item.id}`);
  }
}

/** The app and a transport to it, for one iteration (the SDK keeps no state between calls). */
export function sdkTransport(log: SdkLog): RecordingTransport {
  return new RecordingTransport(new InProcessTransport([sdkApp(log)]));
}

export const APP_URL = `http://${HOST}/api/inngest`;
