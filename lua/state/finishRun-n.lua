-- finishRun: ends a run, once: the first call moves it to its terminal status (completed, failed
-- or cancelled) with its result or error and end time, and later calls change nothing (the
-- transition is the finish claim, so the run's terminal events go out once). It removes the
-- run's memo, pending set, queue items (the caller's own fenced by its lease; the others whether
-- leased or not: a step in flight then commits nothing) and pauses, marks the idempotency key
-- ended, keeps metadata, events, stack and step records for retentionMs, and enqueues the finish
-- item that emits the terminal events. It releases the run's singleton lock (the holder's own
-- only). Checks come before any write.
-- KEYS[1] meta: the run's metadata hash
-- KEYS[2] memo: hash stepId -> memo JSON
-- KEYS[3] stack: the completion order
-- KEYS[4] pending: the parallel steps still outstanding
-- KEYS[5] runItems: the run's queue item IDs
-- KEYS[6] runPauses: the run's pause IDs
-- KEYS[7] pauses: hash pauseId -> pause JSON
-- KEYS[8] invokes: hash correlationId -> pauseId
-- KEYS[9] events: the run's trigger events
-- KEYS[10] steps: hash stepId -> step record JSON
-- KEYS[11] idempotency: the run's idempotency key
-- KEYS[12] items: the queue's items hash
-- KEYS[13] leases: hash itemId -> lease ULID
-- KEYS[14] ready: the function partition's ready set
-- KEYS[15] leased: the partition's lease index
-- KEYS[16] scavenger: the scavenger index
-- KEYS[17] tombstone: the caller's item's tombstone (placeholder: no item)
-- KEYS[18] partitions: hash pid -> partition JSON
-- KEYS[19] globalPartitions: the global partition index
-- KEYS[20] accounts: the accounts index
-- KEYS[21] accountPartitions: the account's partition index
-- KEYS[22] inProgressAccount: the account's in-progress set
-- KEYS[23] inProgressPartition: the function's in-progress set
-- KEYS[24] finishTombstone: the finish item's tombstone
-- KEYS[25] inProgressCustom1: the run's custom key 1 in-progress set (placeholder: none)
-- KEYS[26] inProgressCustom2: the run's custom key 2 in-progress set (placeholder: none)
-- KEYS[27] singleton: the run's singleton lock, released when it holds it (placeholder: none)
-- KEYS per entry (1): pauseIndex
-- ARGV[1] itemId: the caller's item ('' for none: a cancellation)
-- ARGV[2] partitionId
-- ARGV[3] leaseId
-- ARGV[4] now: ms
-- ARGV[5] tombstoneTtlMs
-- ARGV[6] accountId
-- ARGV[7] wakeChannel
-- ARGV[8] graceMs
-- ARGV[9] status: 'completed', 'failed' or 'cancelled'
-- ARGV[10] resultJson: '' for none
-- ARGV[11] errorJson: '' for none
-- ARGV[12] retentionMs
-- ARGV[13] finishItemId
-- ARGV[14] finishItemJson
-- ARGV[15] finishItemScore: ms, its score as the queue built it (its run's start: see score.ts)
-- ARGV[16] partitionJson
-- ARGV[17] count: the number of entries
-- ARGV[18] cancelReason: why a cancelled run was cancelled, stored as cancel_reason ('' for none)
-- ARGV per entry (1): pauseId
-- returns 0 OK: the run ended now (or, repeated by the same lease, ended by its first call)
-- returns -1 NOT_FOUND: the item is gone (also: its lease's commit consumed it, the reply lost; the run goes on)
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- returns -20 RUN_NOT_FOUND
-- returns -21 RUN_ENDED: it had ended before (the caller's item is acked)
-- @include sorted_members
-- @include dequeue_status
-- @include decode_pause
-- @include run_is_open
-- @include delete_pause
-- @include check_partition_version
-- @include enqueue_item
-- @include remove_item
local OK, NOT_FOUND, RUN_NOT_FOUND, RUN_ENDED = 0, -1, -20, -21
local itemId, pid, leaseId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local tombstoneTtlMs, accountId, wakeChannel, graceMs = tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
local status, resultJson, errorJson, retentionMs = ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12])
local finishItemId, finishItemJson, finishItemScore = ARGV[13], ARGV[14], tonumber(ARGV[15])
local partitionJson, count, cancelReason = ARGV[16], tonumber(ARGV[17]), ARGV[18]
local queue = {
  items = KEYS[12], leases = KEYS[13], ready = KEYS[14], leased = KEYS[15], scavenger = KEYS[16],
  tombstone = KEYS[17], partitions = KEYS[18], global = KEYS[19], accounts = KEYS[20],
  accountPartitions = KEYS[21], inProgress = {KEYS[22], KEYS[23], KEYS[25], KEYS[26]},
}

if itemId ~= '' then
  local fence, present = dequeue_status(queue, itemId, leaseId, redis.call('HGET', queue.leases, itemId), now, graceMs)
  if fence ~= OK then return {fence} end
  -- The item is gone under this lease. If the run has ended, this is a repeat (a lost reply):
  -- the first call ended it. If it is open, this lease's commit consumed the item (its reply
  -- was lost) and the run goes on: this finish did not happen.
  if not present then
    if run_is_open(KEYS[1]) then return {NOT_FOUND} end
    return {OK}
  end
end
check_partition_version(queue.partitions, pid)
local open, runStatus = run_is_open(KEYS[1])
if not open then
  if itemId ~= '' then
    remove_item(queue, itemId, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
    redis.call('SREM', KEYS[5], itemId)
  end
  if runStatus == nil then return {RUN_NOT_FOUND} end
  return {RUN_ENDED}
end
-- By ID: a set's own order differs from server to server, and the order of the removals below
-- decides which partition pointer moves (and which wake-ups go out).
local pauseIds = sorted_members(KEYS[6])
local pauses = {}
for _, pauseId in ipairs(pauseIds) do
  local raw = redis.call('HGET', KEYS[7], pauseId)
  if raw ~= false then pauses[#pauses + 1] = {id = pauseId, pause = decode_pause(raw, pauseId)} end
end

redis.call('HSET', KEYS[1], 'status', status, 'ended_at', now)
if redis.call('HEXISTS', KEYS[1], 'started_at') == 0 then redis.call('HSET', KEYS[1], 'started_at', now) end
if resultJson ~= '' then redis.call('HSET', KEYS[1], 'result', resultJson) end
if errorJson ~= '' then redis.call('HSET', KEYS[1], 'error', errorJson) end
if status == 'cancelled' and cancelReason ~= '' then
  redis.call('HSET', KEYS[1], 'cancel_reason', cancelReason)
end
redis.call('DEL', KEYS[2], KEYS[4])
-- Swept items keep no tombstone (a late enqueue of one finds the run ended and is acked).
local swept = {}
for key, value in pairs(queue) do swept[key] = value end
swept.tombstone = nil
for _, id in ipairs(sorted_members(KEYS[5])) do
  if id ~= itemId and redis.call('HEXISTS', queue.items, id) == 1 then
    remove_item(swept, id, pid, '', now, 0, accountId, wakeChannel, graceMs)
  end
end
if itemId ~= '' then
  remove_item(queue, itemId, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
end
local k = {pauses = KEYS[7], pauseIndex = nil, runPauses = KEYS[6], invokes = KEYS[8]}
for _, p in ipairs(pauses) do delete_pause(k, p.id, p.pause) end
for i = 1, count do redis.call('SREM', KEYS[27 + i], ARGV[18 + i]) end
if redis.call('GET', KEYS[27]) == redis.call('HGET', KEYS[1], 'id') then
  redis.call('DEL', KEYS[27])
end
redis.call('DEL', KEYS[5], KEYS[6])
local held = redis.call('GET', KEYS[11])
if held ~= false then
  local holder, expiry = string.match(held, '^([^|]*)|(.*)$')
  if holder == redis.call('HGET', KEYS[1], 'id') then
    redis.call('SET', KEYS[11], '-' .. holder .. '|' .. expiry, 'KEEPTTL')
  end
end
for _, key in ipairs({KEYS[1], KEYS[3], KEYS[9], KEYS[10]}) do redis.call('PEXPIRE', key, retentionMs) end
-- At the score the queue gave it (its run's start), not at now: scored at now, it would wait
-- behind every start item of a backlog of newer runs in the same partition.
enqueue_item({
  items = queue.items, tombstone = KEYS[24], ready = queue.ready, partitions = queue.partitions,
  global = queue.global, accounts = queue.accounts, accountPartitions = queue.accountPartitions,
}, finishItemId, finishItemJson, finishItemScore, now, pid, partitionJson, accountId, wakeChannel,
  false, graceMs)
return {OK}
