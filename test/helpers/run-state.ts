/**
 * A run's state read straight from Redis (src/state/keys.ts), for fault tests that judge what the
 * engine committed rather than what it says: the metadata hash, the memo (stepId -> memo JSON),
 * the stack (completion order) and the step records, read in one MULTI so that a snapshot is
 * consistent. `RunStateWatcher` polls runs while they run and checks the exactly-once invariants
 * of reference §2.4 / §16.1 on every snapshot and across snapshots.
 *
 * Finalization (lua/state/finishRun-n.lua) deletes the memo and the pending set but keeps the
 * metadata, stack and step records for the retention time: after a run ended, its memo is gone by
 * design, so "what was committed" is the stack, step_count, the step records and the output,
 * and the memo values are what a watcher saw while the run was live.
 */
import type { Redis } from 'ioredis';
import { RunKeys } from '../../src/state/keys.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface RunState {
  runId: string;
  /** The metadata hash (empty when there is no such run). */
  meta: Record<string, string>;
  /** stepId -> memo JSON. */
  memo: Record<string, string>;
  memoExists: boolean;
  stack: string[];
  /** stepId -> step record JSON, parsed. */
  steps: Record<string, { name: string; op: string; attempts: number; failed?: boolean }>;
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL.has(state.meta['status'] ?? '');
}

/** One consistent snapshot of a run (MULTI/EXEC). */
export async function readRunState(redis: Redis, runId: string, shard = 'durq'): Promise<RunState> {
  const keys = new RunKeys(shard);
  const replies = await redis
    .multi()
    .hgetall(keys.meta(runId))
    .hgetall(keys.memo(runId))
    .exists(keys.memo(runId))
    .lrange(keys.stack(runId), 0, -1)
    .hgetall(keys.steps(runId))
    .exec();
  if (!replies) throw new Error(`MULTI for run ${runId} was aborted`);
  for (const [err] of replies) if (err) throw err;
  const [meta, memo, exists, stack, steps] = replies.map(([, v]) => v) as [
    Record<string, string>,
    Record<string, string>,
    number,
    string[],
    Record<string, string>,
  ];
  const parsed: RunState['steps'] = {};
  for (const [id, json] of Object.entries(steps)) parsed[id] = JSON.parse(json);
  return { runId, meta, memo, memoExists: exists === 1, stack, steps: parsed };
}

/** What is wrong with one snapshot (the invariants that hold at every instant). */
export function snapshotViolations(s: RunState): string[] {
  const out: string[] = [];
  const at = `run ${s.runId} (status ${s.meta['status'] ?? 'none'})`;
  const unique = new Set(s.stack);
  if (unique.size !== s.stack.length) out.push(`${at}: stack has a duplicate id: ${s.stack}`);
  const stepCount = Number(s.meta['step_count'] ?? 0);
  if (s.meta['status'] !== undefined && stepCount !== s.stack.length)
    out.push(`${at}: step_count ${stepCount} but the stack holds ${s.stack.length}`);
  for (const id of Object.keys(s.steps))
    if (!unique.has(id)) out.push(`${at}: step record ${id} is not in the stack`);
  if (isTerminal(s)) {
    if (s.memoExists) out.push(`${at}: the memo survived finalization`);
  } else {
    for (const id of s.stack)
      if (s.memo[id] === undefined) out.push(`${at}: stack id ${id} has no memo`);
    for (const id of Object.keys(s.memo))
      if (!unique.has(id)) out.push(`${at}: memo ${id} is not in the stack`);
  }
  return out;
}

/**
 * Polls runs (all at once, every `intervalMs`) until stopped, checking every snapshot, and that
 * across snapshots a memo value never changes and the stack only grows at its end.
 */
export class RunStateWatcher {
  readonly violations: string[] = [];
  /** runId -> stepId -> the memo JSON seen (first seen; a change is a violation). */
  readonly memoSeen = new Map<string, Map<string, string>>();
  snapshots = 0;
  private readonly lastStack = new Map<string, string[]>();
  private readonly runs = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly intervalMs = 25,
    private readonly shard = 'durq',
  ) {}

  watch(...runIds: string[]): void {
    for (const id of runIds) this.runs.add(id);
    this.loop ??= this.poll();
  }

  /** Stops polling after a last pass over every run; resolves to the violations seen. */
  async stop(): Promise<string[]> {
    this.stopped = true;
    await this.loop;
    if (this.pollError !== undefined) throw this.pollError;
    for (const id of this.runs) this.check(await readRunState(this.redis, id, this.shard));
    return this.violations;
  }

  /** A read that failed ends the polling (e.g. Redis closed after a failed test) quietly. */
  private pollError: unknown;

  private async poll(): Promise<void> {
    try {
      while (!this.stopped) {
        const states = await Promise.all(
          [...this.runs].map((id) => readRunState(this.redis, id, this.shard)),
        );
        for (const s of states) this.check(s);
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    } catch (err) {
      this.pollError = err;
    }
  }

  private check(s: RunState): void {
    this.snapshots++;
    const add = (v: string) => {
      if (this.violations.length < 50) this.violations.push(v);
    };
    snapshotViolations(s).forEach(add);
    const before = this.lastStack.get(s.runId) ?? [];
    if (s.stack.length < before.length || before.some((id, i) => s.stack[i] !== id))
      add(`run ${s.runId}: stack ${before} became ${s.stack} (not an append)`);
    this.lastStack.set(s.runId, s.stack);
    const seen = this.memoSeen.get(s.runId) ?? new Map<string, string>();
    this.memoSeen.set(s.runId, seen);
    for (const [id, json] of Object.entries(s.memo)) {
      const first = seen.get(id);
      if (first === undefined) seen.set(id, json);
      else if (first !== json) add(`run ${s.runId}: memo ${id} changed from ${first} to ${json}`);
    }
  }
}
