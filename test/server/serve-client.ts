/**
 * A small client of a running `durq serve`'s HTTP routes (serve-spec.md), for the tests of
 * test/server/: raw requests with their status and body, and polls of the REST views until a run
 * exists or has settled. Production mode adds `Authorization: Bearer <signing key>`.
 */
import { createHash } from 'node:crypto';
import { vi } from 'vitest';
import { SETTLED, type FunctionRun as RunJson } from './serve-harness.js';

export type { RunJson };
const POLL_MS = 100;
const POLL_TIMEOUT_MS = 20_000;

/** A queue item of `GET /v1/runs/:id/jobs`. */
export interface JobJson {
  at: number | string;
  kind?: string;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Adds the signing key's bearer token (default true; only when the client has a key). */
  auth?: boolean;
}

export class ServeClient {
  constructor(
    readonly url: string,
    private readonly signingKey?: string,
  ) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false && this.signingKey !== undefined)
      headers.authorization = `Bearer ${this.signingKey}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: parseJson(text) };
  }

  get(path: string): Promise<HttpReply> {
    return this.request('GET', path);
  }

  /** `POST /e/:key` with these events (an array or one object). */
  sendEvents(events: unknown, key = 'test'): Promise<HttpReply> {
    return this.request('POST', `/e/${key}`, { body: events });
  }

  /** Sends events and returns their IDs; fails unless the server took them all. */
  async send(events: unknown[], key?: string): Promise<string[]> {
    const reply = await this.sendEvents(events, key);
    const ids = (reply.json as { ids?: string[] } | undefined)?.ids;
    if (reply.status !== 200 || ids?.length !== events.length)
      throw new Error(`POST /e answered ${reply.status} ${reply.text}`);
    return ids;
  }

  /** The runs an event started (`GET /v1/events/:id/runs`). */
  async runsOf(eventId: string): Promise<RunJson[]> {
    const reply = await this.get(`/v1/events/${eventId}/runs`);
    if (reply.status !== 200) throw new Error(`runs of ${eventId}: ${reply.status} ${reply.text}`);
    return (reply.json as { data: RunJson[] }).data;
  }

  /** Polls until the event has started a run, and returns it. */
  runOf(eventId: string, timeoutMs = POLL_TIMEOUT_MS): Promise<RunJson> {
    return vi.waitFor(
      async () => {
        const [run, ...more] = await this.runsOf(eventId);
        if (!run) throw new Error(`event ${eventId} has started no run`);
        if (more.length > 0) throw new Error(`event ${eventId} started ${more.length + 1} runs`);
        return run;
      },
      { timeout: timeoutMs, interval: POLL_MS },
    );
  }

  /** `GET /v1/runs/:id`'s data, or null when the server does not know the run. */
  async run(runId: string): Promise<RunJson | null> {
    const reply = await this.get(`/v1/runs/${runId}`);
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw new Error(`run ${runId}: ${reply.status} ${reply.text}`);
    return (reply.json as { data: RunJson }).data;
  }

  /** Polls `GET /v1/runs/:id` until the run is Completed, Failed or Cancelled. */
  settled(runId: string, timeoutMs = POLL_TIMEOUT_MS): Promise<RunJson> {
    return vi.waitFor(
      async () => {
        const run = await this.run(runId);
        if (!run || !SETTLED.includes(run.status))
          throw new Error(`run ${runId} has not settled: ${JSON.stringify(run)}`);
        return run;
      },
      { timeout: timeoutMs, interval: POLL_MS },
    );
  }

  /** The run's queued jobs (`GET /v1/runs/:id/jobs`). */
  async jobs(runId: string): Promise<JobJson[]> {
    const reply = await this.get(`/v1/runs/${runId}/jobs`);
    if (reply.status !== 200) throw new Error(`jobs of ${runId}: ${reply.status} ${reply.text}`);
    return (reply.json as { data: JobJson[] }).data;
  }

  /** The run's memo (`GET /v0/runs/:id/actions`), or null when its state is gone (410). */
  async actions(runId: string): Promise<Record<string, unknown> | null> {
    const reply = await this.get(`/v0/runs/${runId}/actions`);
    if (reply.status === 410) return null;
    if (reply.status !== 200) throw new Error(`actions of ${runId}: ${reply.status} ${reply.text}`);
    return reply.json as Record<string, unknown>;
  }

  /**
   * Sends `event` until one starts a run (the app is synced then), and waits for that run to
   * complete: with `--sdk-url`, the server syncs the app some moment after it is ready.
   */
  async untilSynced(event: string, timeoutMs = POLL_TIMEOUT_MS): Promise<RunJson> {
    const started = await vi.waitFor(
      async () => {
        const [eventId = ''] = await this.send([{ name: event, data: {} }]);
        return await this.runOf(eventId, 1_000);
      },
      { timeout: timeoutMs, interval: POLL_MS },
    );
    return await this.settled(started.run_id);
  }
}

/** The memo key of a step the SDK names `id` (its first use): hex(sha1(id)), protocol §3.5. */
export function stepKey(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}

/** Whether a job is due later than `aheadMs` from now. */
export function dueAfter(job: JobJson, aheadMs: number): boolean {
  return new Date(job.at).getTime() > Date.now() + aheadMs;
}

/** The sum of a Prometheus counter or gauge over all its label sets (0 when absent). */
export function metricSum(exposition: string, name: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (match?.[1] === name) sum += Number(match[3]);
  }
  return sum;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
