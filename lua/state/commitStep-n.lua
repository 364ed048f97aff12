-- commitStep: commits what one SDK response asked for, fenced by the lease of the item that made
-- the request, all or nothing: step results (first write wins: the same bytes again are harmless,
-- other bytes are refused and nothing of the response commits), the pending set of a parallel
-- plan, the next queue items (all on the item's own partition; 'item-if-done' ones only when no
-- parallel step is still pending), pauses, and the ack of the item itself. A stale or expired lease
-- commits nothing; a run that has ended commits nothing but the ack. A repeat by the same lease
-- (a lost reply) answers OK and changes nothing. Checks come before any write.
-- KEYS[1] meta: the run's metadata hash
-- KEYS[2] memo: hash stepId -> memo JSON
-- KEYS[3] stack: the completion order
-- KEYS[4] pending: the parallel steps still outstanding
-- KEYS[5] runItems: the run's queue item IDs
-- KEYS[6] runPauses: the run's pause IDs
-- KEYS[7] pauses: hash pauseId -> pause JSON
-- KEYS[8] invokes: hash correlationId -> pauseId
-- KEYS[9] steps: hash stepId -> step record JSON
-- KEYS[10] items: the queue's items hash
-- KEYS[11] leases: hash itemId -> lease ULID
-- KEYS[12] ready: the partition's ready set
-- KEYS[13] leased: the partition's lease index
-- KEYS[14] scavenger: the scavenger index
-- KEYS[15] tombstone: the item's tombstone
-- KEYS[16] partitions: hash pid -> partition JSON
-- KEYS[17] globalPartitions: the global partition index
-- KEYS[18] accounts: the accounts index
-- KEYS[19] accountPartitions: the account's partition index
-- KEYS[20] inProgressAccount: the account's in-progress set
-- KEYS[21] inProgressPartition: the function's in-progress set
-- KEYS[22] inProgressCustom1: custom key 1's in-progress set (placeholder: none)
-- KEYS[23] inProgressCustom2: custom key 2's in-progress set (placeholder: none)
-- KEYS per entry (1): entryKey
-- ARGV[1] itemId
-- ARGV[2] partitionId
-- ARGV[3] leaseId
-- ARGV[4] now: ms
-- ARGV[5] tombstoneTtlMs
-- ARGV[6] accountId
-- ARGV[7] wakeChannel
-- ARGV[8] graceMs
-- ARGV[9] partitionJson: stored if the partition is new
-- ARGV[10] maxStateBytes: results that would grow the run's state past this commit nothing
-- ARGV[11] pendingJson: a JSON array that replaces the pending set ('' keeps it)
-- ARGV[12] die: disable_immediate_execution: '1', '0', 'reset-if-done' (0 once nothing is pending) or '' (keep)
-- ARGV[13] requestVersion: '' keeps it
-- ARGV[14] chainItemId: a new item to lease to the caller at once ('' none), if limits admit it
-- ARGV[15] chainLeaseId: its lease (a ULID whose time is the lease expiry)
-- ARGV[16] accountLimit: the account's concurrency limit for that lease (0: none)
-- ARGV[17] fnLimit: the function's concurrency limit for that lease (0: none)
-- ARGV[18] count: the number of entries
-- ARGV per entry (5): type, id, json, score, extra
-- returns 0 OK: committed (second element: 1 when parallel steps are still pending; third: 1 when
--   the chain item was leased to the caller)
-- returns -1 NOT_FOUND
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- returns -20 RUN_NOT_FOUND: no such run: only the ack committed
-- returns -21 RUN_ENDED: the run has ended: only the ack committed
-- returns -22 MEMO_CONFLICT: a step already holds a different result: only the ack committed
-- returns -23 STATE_OVERFLOW: the results would pass maxStateBytes: nothing committed
-- Entry types: 'memo' (entryKey a placeholder; id the step ID, json its memo, extra its step
-- record), 'item' and 'item-if-done' (entryKey the new item's tombstone; id, json, score),
-- 'pause' (entryKey its event's pause index; id, json; extra the invoke correlation ID or '').
-- @include dequeue_status
-- @include run_is_open
-- @include memo_state
-- @include save_memo
-- @include check_partition_version
-- @include enqueue_item
-- @include remove_item
-- @include is_real_key
-- @include try_lease_item
-- @include track_earliest
local OK, RUN_NOT_FOUND, RUN_ENDED, MEMO_CONFLICT, STATE_OVERFLOW = 0, -20, -21, -22, -23
local itemId, pid, leaseId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local tombstoneTtlMs, accountId, wakeChannel, graceMs = tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
local partitionJson, maxStateBytes, pendingJson = ARGV[9], tonumber(ARGV[10]), ARGV[11]
local die, requestVersion = ARGV[12], ARGV[13]
local chainItemId, chainLeaseId = ARGV[14], ARGV[15]
local accountLimit, fnLimit, count = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local run = {meta = KEYS[1], memo = KEYS[2], stack = KEYS[3], pending = KEYS[4], steps = KEYS[9]}
local queue = {
  items = KEYS[10], leases = KEYS[11], ready = KEYS[12], leased = KEYS[13], scavenger = KEYS[14],
  tombstone = KEYS[15], partitions = KEYS[16], global = KEYS[17], accounts = KEYS[18],
  accountPartitions = KEYS[19], inProgress = {KEYS[20], KEYS[21], KEYS[22], KEYS[23]},
}
local function ack()
  remove_item(queue, itemId, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
  redis.call('SREM', KEYS[5], itemId)
end

local status, present = dequeue_status(queue, itemId, leaseId, redis.call('HGET', queue.leases, itemId), now, graceMs)
if status ~= OK then return {status} end
if not present then
  -- A repeat: the first call committed; it also chained when the chain item holds this lease.
  local chainedBefore = chainItemId ~= '' and redis.call('HGET', queue.leases, chainItemId) == chainLeaseId
  return {OK, 0, chainedBefore and 1 or 0}
end
check_partition_version(queue.partitions, pid)
local open, runStatus = run_is_open(run.meta)
if not open then
  ack()
  if runStatus == nil then return {RUN_NOT_FOUND} end
  return {RUN_ENDED}
end

local entries, grow, conflict, listed = {}, 0, false, {}
for i = 1, count do
  local at = 18 + (i - 1) * 5
  local e = {type = ARGV[at + 1], id = ARGV[at + 2], json = ARGV[at + 3], score = tonumber(ARGV[at + 4]),
    extra = ARGV[at + 5], key = KEYS[23 + i]}
  if e.type == 'memo' then
    -- A step listed twice in one commit counts once: the same bytes again are a repeat.
    local earlier = listed[e.id]
    if earlier ~= nil then
      e.state = earlier == e.json and 'same' or 'other'
    else
      e.state = memo_state(run.memo, e.id, e.json)
      listed[e.id] = e.json
    end
    if e.state == 'other' then conflict = true end
    if e.state == 'new' then grow = grow + #e.json end
  end
  entries[i] = e
end
if conflict then
  ack()
  return {MEMO_CONFLICT}
end
local size = tonumber(redis.call('HGET', run.meta, 'state_size') or '0')
if grow > 0 and size + grow > maxStateBytes then return {STATE_OVERFLOW} end

if pendingJson ~= '' then
  redis.call('DEL', run.pending)
  for _, id in ipairs(cjson.decode(pendingJson)) do redis.call('SADD', run.pending, id) end
end
for _, e in ipairs(entries) do
  if e.type == 'memo' and e.state == 'new' then save_memo(run, e.id, e.json, e.extra) end
end
local hasPending = redis.call('SCARD', run.pending) > 0
if die == '1' or die == '0' then redis.call('HSET', run.meta, 'die', die) end
if die == 'reset-if-done' and not hasPending then redis.call('HSET', run.meta, 'die', '0') end
if requestVersion ~= '' then redis.call('HSET', run.meta, 'rv', requestVersion) end
if redis.call('HGET', run.meta, 'status') == 'scheduled' then
  redis.call('HSET', run.meta, 'status', 'running', 'started_at', now)
end
local q = {
  items = queue.items, ready = queue.ready, partitions = queue.partitions, global = queue.global,
  accounts = queue.accounts, accountPartitions = queue.accountPartitions,
}
local chainable, dueNow = false, nil
for _, e in ipairs(entries) do
  if e.type == 'item' or (e.type == 'item-if-done' and not hasPending) then
    q.tombstone = e.key
    -- The chain item wakes no scanner: the caller leases it below (or wakes them if it cannot).
    local wake = e.id == chainItemId and '' or wakeChannel
    if enqueue_item(q, e.id, e.json, e.score, now, pid, partitionJson, accountId, wake, false, graceMs) == OK then
      redis.call('SADD', KEYS[5], e.id)
      if e.id == chainItemId then chainable = e.score
      elseif e.score <= now then dueNow = e.score end
    end
  elseif e.type == 'pause' then
    -- A pause the SDK reports again (a parallel branch still waiting) is kept as first written.
    if redis.call('HSETNX', KEYS[7], e.id, e.json) == 1 then
      if is_real_key(e.key) then redis.call('SADD', e.key, e.id) end
      redis.call('SADD', KEYS[6], e.id)
      if e.extra ~= '' then redis.call('HSET', KEYS[8], e.extra, e.id) end
    end
  end
end
ack()
-- The caller runs the chain item next in its own slot, skipping the scan, when the limits admit
-- it (as any lease: the same rule, the same in-progress sets).
-- Work due now wakes idle scanners even when the partition's pointer did not move (a run's
-- items share their run's score, and a chained lease leaves the pointer where it was).
if dueNow ~= nil and wakeChannel ~= '' then redis.call('PUBLISH', wakeChannel, dueNow) end
local chained = 0
if chainable then
  local account = KEYS[20]
  local leased = try_lease_item({
    items = queue.items, leases = queue.leases, ready = queue.ready, leased = queue.leased,
    account = is_real_key(account) and account, fn = KEYS[21], counts = {},
    accountLimit = accountLimit, fnLimit = fnLimit,
  }, {id = chainItemId, leaseId = chainLeaseId, ck1 = false, ck2 = false, throttle = false}, now, graceMs)
  if leased == OK then
    chained = 1
    track_earliest(queue.scavenger, queue.leased, pid)
  elseif wakeChannel ~= '' then
    redis.call('PUBLISH', wakeChannel, chainable)
  end
end
return {OK, hasPending and 1 or 0, chained}
