import type { Redis } from 'ioredis';
import { RunKeys, ShardKeys } from '../../src/internal.js';
import type { Story, Terminal } from './stories.js';
import { FN } from './functions.js';
import type { ExecWorld } from './exec-world.js';
import { auditSlots } from './slot-audit.js';

/** A run as a full read of the shard finds it. */
export interface RunRead {
  runId: string;
  status: string;
  result: unknown;
  stack: string[];
  memo: Record<string, string>;
  runItems: string[];
  runPauses: string[];
}

type Fail = (invariant: string, message: string) => void;

/** Reads every run the auditor saw created: meta, stack, memo, and its item and pause sets. */
export async function readRuns(
  raw: Redis,
  shard: string,
  runIds: readonly string[],
): Promise<RunRead[]> {
  const keys = new RunKeys(shard);
  const pipe = raw.pipeline();
  for (const id of runIds) {
    pipe.hgetall(keys.meta(id));
    pipe.lrange(keys.stack(id), 0, -1);
    pipe.hgetall(keys.memo(id));
    pipe.smembers(keys.runItems(id));
    pipe.smembers(keys.runPauses(id));
  }
  const replies = (await pipe.exec()) ?? [];
  return runIds.map((runId, i) => {
    const at = (k: number) => replies[i * 5 + k]![1];
    const meta = at(0) as Record<string, string>;
    return {
      runId,
      status: meta.status ?? 'missing',
      result: meta.result === undefined ? undefined : (JSON.parse(meta.result) as unknown),
      stack: at(1) as string[],
      memo: at(2) as Record<string, string>,
      runItems: at(3) as string[],
      runPauses: at(4) as string[],
    };
  });
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** Each run's status at the last audit (a terminal status must never change). */
const lastSeen = new WeakMap<ExecWorld, Map<string, string>>();

/** Every `everyMs` of virtual time: the run invariants on a full read of the executor's shard. */
export function scheduleRunAudits(exec: ExecWorld, raw: Redis, everyMs: number, fail: Fail): void {
  const { scheduler } = exec;
  const audit = async () => {
    await auditRuns(exec, raw, fail);
    scheduler.schedule(scheduler.now + everyMs, '', audit);
  };
  scheduler.schedule(scheduler.now + everyMs, '', audit);
}

/**
 * The structural run invariants on a full read: the stack holds each step once and only after
 * its memo; a finished run keeps no queue item (its `finish` item aside) and no pause; no
 * in-progress set holds a slot of an item that is gone (see slot-audit.ts).
 */
export async function auditRuns(exec: ExecWorld, raw: Redis, fail: Fail): Promise<RunRead[]> {
  const runs = await readRuns(raw, exec.shard, [...exec.auditor.runs.keys()]);
  const byId = new Map(runs.map((r) => [r.runId, r]));
  for (const r of runs) {
    const before = lastSeen.get(exec)?.get(r.runId);
    if (before !== undefined && TERMINAL.has(before) && before !== r.status)
      fail('one-terminal', `run ${r.runId} was ${before}, is now ${r.status}`);
    if (TERMINAL.has(r.status)) {
      if (r.runPauses.length > 0)
        fail(
          'no-leftovers',
          `run ${r.runId} is ${r.status} but keeps pauses ${r.runPauses.join(', ')}`,
        );
      continue;
    }
    const seen = new Set<string>();
    for (const id of r.stack) {
      if (seen.has(id))
        fail('stack-after-memo', `run ${r.runId}: step ${id} is on the stack twice`);
      seen.add(id);
      if (r.memo[id] === undefined)
        fail('stack-after-memo', `run ${r.runId}: step ${id} is on the stack without its memo`);
    }
  }
  const shardKeys = new ShardKeys(exec.shard);
  const keys = new RunKeys(exec.shard);
  const [items, pauses] = await Promise.all([
    raw.hgetall(shardKeys.items()),
    raw.hgetall(keys.pauses()),
  ]);
  for (const [id, json] of Object.entries(items)) {
    const item = JSON.parse(json) as { r?: string; k?: string };
    const run = item.r === undefined ? undefined : byId.get(item.r);
    if (run && TERMINAL.has(run.status) && item.k !== 'finish')
      fail(
        'no-leftovers',
        `run ${run.runId} is ${run.status} but its ${item.k} item ${id} is still queued`,
      );
  }
  for (const [id, json] of Object.entries(pauses)) {
    const pause = JSON.parse(json) as { runId?: string };
    const run = pause.runId === undefined ? undefined : byId.get(pause.runId);
    if (run && TERMINAL.has(run.status))
      fail('no-leftovers', `run ${run.runId} is ${run.status} but pause ${id} remains`);
  }
  lastSeen.set(exec, new Map(runs.map((r) => [r.runId, r.status])));
  const ended = new Set(runs.filter((r) => TERMINAL.has(r.status)).map((r) => r.runId));
  await auditSlots(exec.flow, raw, exec.shard, ended, fail);
  exec.flow.prune(exec.scheduler.now);
  return runs;
}

/** Runs by state, then each story's run against the auditor's prediction. */
export function checkPredictions(
  exec: ExecWorld,
  runs: readonly RunRead[],
  fail: Fail,
): Record<Terminal | 'open', number> {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const tally: Record<Terminal | 'open', number> = {
    completed: 0,
    failed: 0,
    cancelled: 0,
    open: 0,
  };
  for (const r of runs) {
    if (TERMINAL.has(r.status)) tally[r.status as Terminal]++;
    else tally.open++;
  }
  for (const story of exec.stories) checkStory(exec, story, byId, fail);
  exec.timers.finalCheck((id) => byId.get(id)?.status);
  return tally;
}

/** The ends a story's run may have: as planned, unless a fault changed that (see overrides). */
function allowedEnds(exec: ExecWorld, story: Story): Set<string> {
  const o = exec.overrides.get(story.id) ?? {};
  if (o.cancel === 'cancelled') return new Set(['cancelled']);
  // A no-retry answer fails the run if it reaches the driver and the failure commits; its
  // process may crash first, or the commit fail, and then a later attempt goes on as planned.
  const allowed = new Set<string>([story.expect]);
  if (o.noRetry) allowed.add('failed');
  if (o.cancel === 'maybe') allowed.add('cancelled');
  return allowed;
}

/** One story: one run, ended as predicted, its wait's value right, its dependents ended. */
function checkStory(exec: ExecWorld, story: Story, byId: Map<string, RunRead>, fail: Fail): void {
  const name = `story ${story.id} (${story.kind})`;
  const ids = exec.runsFor(story, `sim-${story.kind}`);
  if (ids.length !== 1)
    return fail(
      ids.length === 0 ? 'liveness' : 'one-run-per-event',
      `${name} has ${ids.length} runs`,
    );
  const run = byId.get(ids[0]!)!;
  if (!TERMINAL.has(run.status))
    return fail('liveness', `${name}: run ${run.runId} is still ${run.status}`);
  const allowed = allowedEnds(exec, story);
  if (!allowed.has(run.status))
    return fail(
      'prediction',
      `${name}: run ${run.runId} ended ${run.status}, expected ${[...allowed].join(' or ')}`,
    );
  if (story.approval && run.status === 'completed' && run.result !== story.approval)
    fail(
      'pause-once',
      `${name}: the wait returned ${JSON.stringify(run.result)}, expected ${story.approval}`,
    );
  const dependent =
    story.kind === 'parent'
      ? FN.child
      : story.kind === 'send' && run.status === 'completed'
        ? FN.listener
        : null;
  if (dependent !== null) {
    const deps = exec.runsFor(story, dependent);
    if (deps.length === 0) fail('liveness', `${name}: no ${dependent} run`);
    for (const d of deps)
      if (byId.get(d)?.status !== 'completed')
        fail('liveness', `${name}: its ${dependent} run ${d} is ${byId.get(d)?.status}`);
  }
  if (run.status === 'failed' && story.kind === 'fragile')
    checkOnFailure(exec, name, run, byId, fail);
}

/** A failed fragile run got exactly one onFailure run, and it ended. */
function checkOnFailure(
  exec: ExecWorld,
  name: string,
  run: RunRead,
  byId: Map<string, RunRead>,
  fail: Fail,
): void {
  const handlers = [...exec.auditor.runs.values()].filter(
    (r) => r.failedRunId === run.runId && r.functionId === FN.fragileFailure,
  );
  if (handlers.length !== 1)
    return fail(
      handlers.length ? 'on-failure-once' : 'liveness',
      `${name}: ${handlers.length} onFailure runs for ${run.runId}`,
    );
  const status = byId.get(handlers[0]!.runId)?.status ?? 'missing';
  if (!TERMINAL.has(status))
    fail('liveness', `${name}: its onFailure run ${handlers[0]!.runId} is ${status}`);
}

/** Whether the executor's work is done: every story's events sent, every run ended. */
export function execQuiet(exec: ExecWorld): boolean {
  const a = exec.auditor.counts;
  return (
    exec.storiesTriggered &&
    exec.sendsPending === 0 &&
    a.runsCreated === a.runsEnded &&
    a.fragileFailed === a.onFailureCreated &&
    exec.timers.pending() === null
  );
}
