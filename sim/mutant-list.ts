/**
 * The planted bugs of `npm run mutants`: each is a text patch applied to a temporary copy of the
 * tree (the product carries no planted-bug switches), with the detectors that must catch it.
 * `simulator` names the invariant the simulator reports for it (within the seeds searched);
 * `properties` names the property suite file that must fail. A listed detector that misses its
 * mutant fails the run; an unlisted one that catches it is reported as a bonus.
 */
export interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
  caughtBy: { simulator?: string; properties?: string };
  /** Flags added to MUTANT_SCENARIO for this mutant's simulator seeds (the baseline runs them). */
  scenario?: string[];
}

const FN_LIMIT_LINE =
  'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return FUNCTION_LIMIT, 0 end';

/** What an executor mutant adds: the executor's stories (the queue workload stays). */
const EXECUTOR = ['--runs', '60'];

export const MUTANTS: Mutant[] = [
  {
    name: 'lease ignores the function limit',
    file: 'lua/includes/try_lease_item.lua',
    find: FN_LIMIT_LINE,
    replace: '',
    caughtBy: { simulator: 'concurrency', properties: 'races.test.ts' },
  },
  {
    name: 'a lease admits one more than the account limit',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) <= 0 then',
    replace:
      'if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) < 0 then',
    caughtBy: { simulator: 'concurrency', properties: 'races.test.ts' },
  },
  {
    // One fencing rule serves dequeue and dequeueBatch (the processor acks through the batch).
    name: 'a dequeue ignores the lease ID',
    file: 'lua/includes/dequeue_status.lua',
    find: 'return fence_status(current, leaseId, now), true',
    replace: 'return fence_status(current, current, now), true',
    caughtBy: { simulator: 'fencing', properties: 'model.test.ts' },
  },
  {
    name: 'extend accepts an expired lease',
    file: 'lua/queue/extendLease-8.lua',
    find: 'local fenced = check_lease(leasesKey, itemId, currentId, now)',
    replace: 'local fenced = check_lease(leasesKey, itemId, currentId, 0)',
    caughtBy: { simulator: 'fencing', properties: 'model.test.ts' },
    // An extend after expiry needs a process paused past its lease: six times the default rate.
    scenario: ['--fault-pause', '30'],
  },
  {
    name: 'the scavenger skips expired leases',
    file: 'lua/queue/scavengePartition-11.lua',
    find: "'BYSCORE', 'LIMIT', 0, limit)",
    replace: "'BYSCORE', 'LIMIT', 0, 0)",
    caughtBy: { simulator: 'liveness', properties: 'model.test.ts' },
  },
  {
    name: 'requeue forgets the partition pointer',
    file: 'lua/queue/requeue-13.lua',
    find: 'pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,\n  at, now, graceMs, false, wakeChannel)',
    replace: '',
    caughtBy: { simulator: 'pointers', properties: 'retries.test.ts' },
  },
  {
    name: 'the throttle ignores its burst cap (admits one more)',
    file: 'lua/includes/gcra_check.lua',
    find: 'if nextD > maxD then',
    replace: 'if nextD > maxD + periodMs then',
    caughtBy: { simulator: 'throttle', properties: 'throttle.test.ts' },
  },
  {
    name: 'partition peek drops a due partition',
    file: 'lua/queue/partitionPeek-2.lua',
    find: 'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)',
    replace:
      'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)\ntable.remove(ids)\ntable.remove(scores)',
    caughtBy: { simulator: 'liveness', properties: 'ordering.test.ts' },
  },
  {
    name: 'a capacity refusal consumes an attempt',
    file: 'lua/includes/try_lease_item.lua',
    find: FN_LIMIT_LINE,
    replace: [
      'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then',
      "    local refused = cjson.decode(redis.call('HGET', k.items, it.id))",
      '    refused.atts = refused.atts + 1',
      "    redis.call('HSET', k.items, it.id, cjson.encode(refused))",
      '    return FUNCTION_LIMIT, 0',
      '  end',
    ].join('\n'),
    caughtBy: { simulator: 'retries', properties: 'model.test.ts' },
  },
  {
    name: 'a FIFO batch goes on past a function limit',
    file: 'lua/queue/leaseBatch-n.lua',
    find: 'if fifo and (status == FUNCTION_LIMIT or status == ACCOUNT_LIMIT) then stopped = true end',
    replace: '',
    caughtBy: { simulator: 'order', properties: 'ordering.test.ts' },
  },
  {
    name: 'a forced requeue hides its partition for an hour',
    file: 'lua/includes/hand_back_partition.lua',
    find: 'if force then\n    p.forcedUntil = at',
    replace: 'if force then\n    at = at + 3600000\n    target = at\n    p.forcedUntil = at',
    caughtBy: { simulator: 'pointers', properties: 'model.test.ts' },
  },
  {
    name: 'enqueue ignores an unexpired tombstone',
    file: 'lua/includes/enqueue_item.lua',
    find: "if tonumber(string.match(tombstone, '^[^|]*')) > now then return ITEM_TOMBSTONED end",
    replace: 'if false then return ITEM_TOMBSTONED end',
    caughtBy: { simulator: 'idempotency', properties: 'model.test.ts' },
  },
  {
    // Its window is the 200 ms skew bound: the simulator does not reliably hit it in 5 seeds.
    name: 'a lease ignores the clock-skew grace',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if current ~= false and lease_is_live(current, now, graceMs) then return ALREADY_LEASED, 0 end',
    replace:
      'if current ~= false and lease_is_live(current, now, 0) then return ALREADY_LEASED, 0 end',
    caughtBy: { properties: 'model.test.ts' },
  },
  {
    // The executor's flow auditor scores each step item of a prioritized run (sim-prioritized).
    name: 'edge items ignore their priority factor',
    file: 'src/queue/item.ts',
    find: "  'start',\n  'edge',\n  'edge-error',\n]);",
    replace: "  'start',\n  'edge-error',\n]);",
    caughtBy: { simulator: 'priority', properties: 'ordering.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // commitStep is first-write-wins: other bytes for a saved step are refused, nothing commits.
    // The simulator cannot reach it: each step's memo is written by its own item's commit only,
    // fenced by that item's lease, and job IDs keep a step to one item; so no second write of a
    // saved step ever passes the fence (the rule is defence in depth, and the model tests it).
    name: 'a later step result overwrites the saved one',
    file: 'lua/state/commitStep-n.lua',
    find: "if e.state == 'other' then conflict = true end",
    replace: "if e.state == 'other' then e.state = 'new' end",
    caughtBy: { properties: 'run-state-model.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // An 'item-if-done' (a parallel plan's coalesced discovery) waits for the pending set to empty.
    name: 'the fan-in discovery is enqueued while parallel steps are pending',
    file: 'lua/state/commitStep-n.lua',
    find: "if e.type == 'item' or (e.type == 'item-if-done' and not hasPending) then",
    replace: "if e.type == 'item' or e.type == 'item-if-done' then",
    caughtBy: { simulator: 'fan-in', properties: 'run-state-model.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // The consumed pause is deleted by its step ID instead of its own: it stays consumable.
    name: 'a resumed pause stays (resumed by both event and timeout)',
    file: 'lua/state/resumePause-23.lua',
    find: 'delete_pause(k, pauseId, pause)\nremoveTimeoutItem()\nreturn {OK',
    replace: 'delete_pause(k, pause.stepId, pause)\nremoveTimeoutItem()\nreturn {OK',
    caughtBy: { simulator: 'pause-once', properties: 'run-state-model.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // An ended run's commit acks the item and then goes on to write its memo and next items.
    // The simulator cannot reach it: a finish sweeps every item of the run (leased ones too), so
    // no commit meets an ended run with a live lease; the sweep mutant below covers the rest.
    name: 'a commit to an ended run still schedules its next step',
    file: 'lua/state/commitStep-n.lua',
    find: '  if runStatus == nil then return {RUN_NOT_FOUND} end\n  return {RUN_ENDED}\nend',
    replace: '  if runStatus == nil then return {RUN_NOT_FOUND} end\nend',
    caughtBy: { properties: 'run-state-model.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // A finish (a cancel above all) leaves the run's queued steps and timers behind to run on.
    name: "a cancel leaves the run's queued steps and timers behind",
    file: 'lua/state/finishRun-n.lua',
    find: "  if id ~= itemId and redis.call('HEXISTS', queue.items, id) == 1 then",
    replace: '  if false then',
    caughtBy: { simulator: 'no-leftovers', properties: 'run-state-model.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // A step item's budget is the function's retries + 1 attempts; this gives it one more.
    name: 'a step item gets one attempt more than its function allows',
    file: 'src/executor/run-items.ts',
    find: 'maxAttempts: SYSTEM_KINDS.has(kind) ? SYSTEM_ITEM_ATTEMPTS : run.maxAttempts,',
    replace: 'maxAttempts: SYSTEM_KINDS.has(kind) ? SYSTEM_ITEM_ATTEMPTS : run.maxAttempts + 1,',
    caughtBy: { simulator: 'attempts', properties: 'run-lifecycle.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // The failure event's ID derives from the run, so a finish item that runs twice starts no
    // second onFailure run; without it each emission gets a fresh ID.
    name: 'a finish item that runs twice emits a second failure event',
    file: 'src/executor/terminal-events.ts',
    find: "events.push({ name: 'inngest/function.failed', id: meta.id, data });",
    replace: "events.push({ name: 'inngest/function.failed', data });",
    caughtBy: { simulator: 'terminal-events-once', properties: 'run-lifecycle.test.ts' },
    // Redis faults four to ten times the default and ten times the executor crashes: a finish
    // item whose call fails, or whose process crashes, runs again
    scenario: [
      ...EXECUTOR,
      '--fault-redis-fail-before',
      '20',
      '--fault-redis-reply-lost',
      '50',
      '--fault-exec-crash',
      '10',
    ],
  },
  // Flow control from the function config (the executor's flow auditor, flow-control.test.ts).
  {
    // A keyed run's later steps would run past its key's limit, and hold no slot of it.
    name: "edge items lose the run's concurrency keys",
    file: 'src/executor/run-items.ts',
    find: 'const flow = STEP_KINDS.has(kind) ? run.flow : undefined;',
    replace: "const flow = kind === 'start' ? run.flow : undefined;",
    caughtBy: { simulator: 'keys-carried', properties: 'flow-control.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // The bug fixed in issue 14: a keyed run's last step kept its key's slot until its expiry.
    name: "finishRun keeps the run's custom-key slots",
    file: 'lua/state/finishRun-n.lua',
    find: 'inProgress = {KEYS[22], KEYS[23], KEYS[25], KEYS[26]}',
    replace: 'inProgress = {KEYS[22], KEYS[23]}',
    caughtBy: { simulator: 'slot-leak', properties: 'flow-control.test.ts' },
    scenario: EXECUTOR,
  },
  {
    name: 'the start item carries no throttle',
    file: 'src/executor/run-items.ts',
    find: "...(throttle !== undefined && kind === 'start' ? { throttle } : {}),",
    replace: '...{},',
    caughtBy: { simulator: 'throttle-carried', properties: 'flow-control.test.ts' },
    scenario: EXECUTOR,
  },
  {
    name: "a run's priority.run is dropped",
    file: 'src/executor/flow.ts',
    find: 'if (priority !== 0) flow.priorityFactorS = priority;',
    replace: '',
    caughtBy: { simulator: 'priority', properties: 'flow-control.test.ts' },
    scenario: EXECUTOR,
  },
  // ---- rateLimit, idempotency, singleton, timeouts (gates-auditor.ts, flow-gates.test.ts) ----
  {
    // A burst of 3 events of one key is admitted whole: 3 runs within ms under a limit of 2.
    name: 'the rate limit admits limit + limit at once (burst not floor(limit / 10))',
    file: 'src/executor/rate-limit.ts',
    find: 'burst: Math.floor(plan.limit / 10),',
    replace: 'burst: plan.limit,',
    caughtBy: { simulator: 'rate-limit-bound', properties: 'flow-gates.test.ts' },
    scenario: EXECUTOR,
  },
  {
    name: 'createRun ignores a held singleton lock (two open runs of one key)',
    file: 'lua/state/createRun-n.lua',
    find: 'if holder ~= false then return {SINGLETON_HELD, holder} end',
    replace: '',
    caughtBy: { simulator: 'singleton-exclusive', properties: 'flow-gates.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // Neither the step guard nor the eager cancel item sees a finish deadline: a run that naps
    // past it runs its next step.
    name: 'the finish timeout never applies to a started run',
    file: 'src/executor/timeouts.ts',
    find: 'if (t.finishMs === undefined || meta.startedAt === undefined) return undefined;',
    replace: 'if (t.finishMs === undefined || meta.startedAt !== undefined) return undefined;',
    caughtBy: { simulator: 'timeout-stops', properties: 'flow-gates.test.ts' },
    scenario: EXECUTOR,
  },
  // ---- end of the gates block ----
  // ---- Debounce, batchEvents, cron (the executor's timers auditor, flow-timers.test.ts) ----
  {
    // Out-of-order events: an event whose ts is older than the window's would replace it.
    name: 'an older ts replaces the debounced event',
    file: 'lua/state/debounceEvent-9.lua',
    find: 'if eventTs < tonumber(w.ts) then return {DEBOUNCE_STALE, openId} end',
    replace: '',
    caughtBy: { simulator: 'debounce-last', properties: 'flow-timers.test.ts' },
    scenario: EXECUTOR,
  },
  {
    name: 'a debounce window keeps its first event',
    file: 'lua/state/debounceEvent-9.lua',
    find: 'w.e, w.ts, w.last = eventJson, ARGV[5], now',
    replace: 'w.ts, w.last = ARGV[5], now',
    caughtBy: { simulator: 'debounce-last', properties: 'flow-timers.test.ts' },
    scenario: EXECUTOR,
  },
  {
    name: 'a batch fills one event past maxSize',
    file: 'lua/state/appendBatch-11.lua',
    find: 'if batch.n >= maxSize or batch.b >= maxBytes then',
    replace: 'if batch.n > maxSize or batch.b >= maxBytes then',
    caughtBy: { simulator: 'batch-size', properties: 'flow-timers.test.ts' },
    scenario: EXECUTOR,
  },
  {
    // Every tick after the first finds the first tick's key: its run is skipped as a duplicate.
    name: "a cron tick's run idempotency key drops the tick time",
    file: 'src/executor/cron-schedule.ts',
    find: 'return idempotencyKeyOf(functionId, `cron:${expression}:${rfc3339(tickAt)}`);',
    replace: 'return idempotencyKeyOf(functionId, `cron:${expression}`);',
    caughtBy: { simulator: 'cron-skip', properties: 'flow-timers.test.ts' },
    // two minute ticks within the safety phase
    scenario: [...EXECUTOR, '--duration', '120000'],
  },
];

/** The scenario each mutant runs: smaller than the default so that several seeds stay quick. */
export const MUTANT_SCENARIO = [
  '--items',
  '600',
  '--duration',
  '40000',
  '--processes',
  '6',
  '--runs',
  '0',
];
