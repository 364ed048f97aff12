import type { QueueItem } from '../queue/item.js';
import type { QueueShard } from '../queue/shard.js';
import { DebounceStore } from './debounce-store.js';
import { RunKeys } from './keys.js';
import { commitStep, type CommitInput, type CommitResult } from './shard/commitStep.js';
import type { StateContext } from './shard/context.js';
import { createRun, type CreateRunInput, type CreateRunResult } from './shard/createRun.js';
import { eventPage, type EventIndexEntry, type EventPageQuery } from './shard/eventPage.js';
import { eventRuns } from './shard/eventRuns.js';
import { finishRun, type FinishInput, type FinishResult } from './shard/finishRun.js';
import { ingestEvents, type IngestEntry } from './shard/ingestEvents.js';
import { listFunctions } from './shard/listFunctions.js';
import { loadRun, type LoadedRun } from './shard/loadRun.js';
import { pauseCandidates } from './shard/pauseCandidates.js';
import { rateLimit, type RateLimitInput, type RateLimitResult } from './shard/rateLimit.js';
import { skipRun, type SkipRunInput, type SkipRunResult } from './shard/skipRun.js';
import { putApp } from './shard/putApp.js';
import { readEvents } from './shard/readEvents.js';
import { readRun, type StoredRun } from './shard/readRun.js';
import { resumePause, type ResumeInput, type ResumeResult } from './shard/resumePause.js';
import { runItems } from './shard/runItems.js';
import { startRun, type StartRunInput, type StartRunResult } from './shard/startRun.js';
import { decodePause, type Pause } from './pause.js';

/**
 * Run state on one queue shard: every operation is one script, atomic with the queue items it
 * moves (same hash tag). The executor holds one per shard.
 */
export class RunStore {
  readonly keys: RunKeys;
  readonly shard: QueueShard;
  /** Debounce windows on the same shard. */
  readonly debounces: DebounceStore;
  private readonly ctx: StateContext;

  constructor(shard: QueueShard) {
    this.shard = shard;
    this.keys = new RunKeys(shard.name);
    this.ctx = { shard: shard.context, keys: this.keys };
    this.debounces = new DebounceStore(shard);
  }

  createRun(input: CreateRunInput): Promise<CreateRunResult> {
    return createRun(this.ctx, input);
  }
  loadRun(runId: string, functionId: string): Promise<LoadedRun | null> {
    return loadRun(this.ctx, runId, functionId);
  }
  readRun(runId: string): Promise<StoredRun | null> {
    return readRun(this.ctx, runId);
  }
  /** Marks a run started before its first request (runs with timeouts only). */
  startRun(input: StartRunInput): Promise<StartRunResult> {
    return startRun(this.ctx, input);
  }
  commitStep(input: CommitInput): Promise<CommitResult> {
    return commitStep(this.ctx, input);
  }
  resumePause(input: ResumeInput): Promise<ResumeResult> {
    return resumePause(this.ctx, input);
  }
  finishRun(input: FinishInput): Promise<FinishResult> {
    return finishRun(this.ctx, input);
  }
  /** One rate-limit admission for a run (reference §11.3). */
  rateLimit(input: RateLimitInput): Promise<RateLimitResult> {
    return rateLimit(this.ctx, input);
  }
  /** Records a run that flow control skipped (status 'skipped'). */
  skipRun(input: SkipRunInput): Promise<SkipRunResult> {
    return skipRun(this.ctx, input);
  }
  putApp(appId: string, appJson: string, functions: readonly { id: string; json: string }[]) {
    return putApp(this.ctx, appId, appJson, functions);
  }
  listFunctions(knownVersion: string | null) {
    return listFunctions(this.ctx, knownVersion);
  }
  ingestEvents(
    events: readonly IngestEntry[],
    opts: { now: number; retentionMs: number; knownVersion: string | null },
  ) {
    return ingestEvents(this.ctx, events, opts);
  }
  eventRuns(internalId: string) {
    return eventRuns(this.ctx, internalId);
  }
  /** A page of the event index (the shard's, or one name's), newest first. */
  eventPage(q: EventPageQuery): Promise<EventIndexEntry[]> {
    return eventPage(this.ctx, q);
  }
  /** The stored JSON of events by internal ID, in order; null for one that is gone. */
  readEvents(internalIds: readonly string[]): Promise<(string | null)[]> {
    return readEvents(this.ctx, internalIds);
  }
  /** Up to `limit` of a run's queue items. */
  runItems(runId: string, limit: number): Promise<QueueItem[]> {
    return runItems(this.ctx, runId, limit);
  }
  pauseCandidates(eventName: string): Promise<Pause[]> {
    return pauseCandidates(this.ctx, eventName);
  }
  /** A stored pause by ID, or null. */
  async pause(pauseId: string): Promise<Pause | null> {
    const raw = await this.ctx.shard.transport.hget(this.keys.pauses(), pauseId);
    return raw === null ? null : decodePause(raw);
  }
  /** The pause an invoke's correlation ID names, or null. */
  async invokePauseId(correlationId: string): Promise<string | null> {
    return await this.ctx.shard.transport.hget(this.keys.invokes(), correlationId);
  }
  /** The stored function JSON, or null. */
  async functionJson(functionId: string): Promise<string | null> {
    return await this.ctx.shard.transport.hget(this.keys.functions(), functionId);
  }
  /** The stored app JSON, or null. */
  async appJson(appId: string): Promise<string | null> {
    return await this.ctx.shard.transport.hget(this.keys.apps(), appId);
  }
}
