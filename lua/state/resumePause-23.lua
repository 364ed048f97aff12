-- resumePause: consumes a pause, exactly once: by an event that matched it, an invoked run's
-- finish, or its timeout item firing (fenced by that item's lease). The one that finds the pause
-- still there writes the resumed step's memo, enqueues the run's next item (unless parallel steps
-- are still pending) and deletes the pause and its timeout item; every later one finds it gone
-- and changes nothing (a timeout still acks its own item). Checks come before any write.
-- KEYS[1] pauses: hash pauseId -> pause JSON
-- KEYS[2] pauseIndex: the pause's event index (placeholder for an invoke pause)
-- KEYS[3] invokes: hash correlationId -> pauseId
-- KEYS[4] runPauses: the run's pause IDs
-- KEYS[5] meta: the run's metadata hash
-- KEYS[6] memo: hash stepId -> memo JSON
-- KEYS[7] stack: the completion order
-- KEYS[8] pending: the parallel steps still outstanding
-- KEYS[9] runItems: the run's queue item IDs
-- KEYS[10] steps: hash stepId -> step record JSON
-- KEYS[11] items: the queue's items hash
-- KEYS[12] leases: hash itemId -> lease ULID
-- KEYS[13] ready: the function partition's ready set
-- KEYS[14] leased: the partition's lease index
-- KEYS[15] scavenger: the scavenger index
-- KEYS[16] partitions: hash pid -> partition JSON
-- KEYS[17] globalPartitions: the global partition index
-- KEYS[18] accounts: the accounts index
-- KEYS[19] accountPartitions: the account's partition index
-- KEYS[20] inProgressAccount: the account's in-progress set
-- KEYS[21] inProgressPartition: the function's in-progress set
-- KEYS[22] timeoutTombstone: the timeout item's tombstone
-- KEYS[23] continuationTombstone: the next item's tombstone
-- ARGV[1] pauseId
-- ARGV[2] memoJson: what the resumed step returns (the event, the invoke result, or null)
-- ARGV[3] recordJson: the step record
-- ARGV[4] now: ms
-- ARGV[5] mode: 'event' or 'timeout'
-- ARGV[6] leaseId: the timeout item's lease (mode 'timeout'; '' otherwise)
-- ARGV[7] timeoutItemId
-- ARGV[8] partitionId
-- ARGV[9] accountId
-- ARGV[10] wakeChannel
-- ARGV[11] graceMs
-- ARGV[12] tombstoneTtlMs
-- ARGV[13] continuationId
-- ARGV[14] continuationJson
-- ARGV[15] continuationScore
-- ARGV[16] partitionJson
-- returns 0 OK: resumed (second element: 1 when parallel steps are still pending)
-- returns -1 NOT_FOUND
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- returns -21 RUN_ENDED: the run ended: the pause is deleted, nothing resumed
-- returns -22 MEMO_CONFLICT: the step already has a result: the pause is deleted, nothing resumed
-- returns -24 PAUSE_GONE: the pause was consumed or deleted before
-- @include dequeue_status
-- @include decode_pause
-- @include run_is_open
-- @include memo_state
-- @include save_memo
-- @include delete_pause
-- @include check_partition_version
-- @include enqueue_item
-- @include remove_item
local OK, RUN_ENDED, MEMO_CONFLICT, PAUSE_GONE = 0, -21, -22, -24
local pauseId, memoJson, recordJson, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local mode, leaseId, timeoutItemId, pid = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local accountId, wakeChannel, graceMs, tombstoneTtlMs = ARGV[9], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12])
local continuationId, continuationJson, continuationScore, partitionJson = ARGV[13], ARGV[14], tonumber(ARGV[15]), ARGV[16]
local run = {meta = KEYS[5], memo = KEYS[6], stack = KEYS[7], pending = KEYS[8], steps = KEYS[10]}
local queue = {
  items = KEYS[11], leases = KEYS[12], ready = KEYS[13], leased = KEYS[14], scavenger = KEYS[15],
  tombstone = KEYS[22], partitions = KEYS[16], global = KEYS[17], accounts = KEYS[18],
  accountPartitions = KEYS[19], inProgress = {KEYS[20], KEYS[21]},
}
-- The timeout item goes with the pause: fenced when it is the caller, else only if not running
-- (a timeout item already leased will find the pause gone).
local function removeTimeoutItem()
  local status, present = dequeue_status(queue, timeoutItemId, leaseId, redis.call('HGET', queue.leases, timeoutItemId), now, graceMs)
  if status == OK and present then
    remove_item(queue, timeoutItemId, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
    redis.call('SREM', KEYS[9], timeoutItemId)
  end
end

if mode == 'timeout' then
  local status, present = dequeue_status(queue, timeoutItemId, leaseId, redis.call('HGET', queue.leases, timeoutItemId), now, graceMs)
  if status ~= OK then return {status} end
  -- A repeat of this timeout (a lost reply): the first call resumed or found the pause gone.
  if not present then return {OK, 0} end
end
check_partition_version(queue.partitions, pid)
local raw = redis.call('HGET', KEYS[1], pauseId)
if raw == false then
  if mode == 'timeout' then removeTimeoutItem() end
  return {PAUSE_GONE}
end
local pause = decode_pause(raw, pauseId)
local open = run_is_open(run.meta)
local k = {pauses = KEYS[1], pauseIndex = KEYS[2], runPauses = KEYS[4], invokes = KEYS[3]}
if not open then
  delete_pause(k, pauseId, pause)
  removeTimeoutItem()
  return {RUN_ENDED}
end
if memo_state(run.memo, pause.stepId, memoJson) ~= 'new' then
  delete_pause(k, pauseId, pause)
  removeTimeoutItem()
  return {MEMO_CONFLICT}
end

save_memo(run, pause.stepId, memoJson, recordJson)
local hasPending = redis.call('SCARD', run.pending) > 0
if not hasPending then
  -- The discovery that follows may run a lone new step inline again (as Inngest resets it).
  redis.call('HSET', run.meta, 'die', '0')
  local q = {
    items = queue.items, tombstone = KEYS[23], ready = queue.ready, partitions = queue.partitions,
    global = queue.global, accounts = queue.accounts, accountPartitions = queue.accountPartitions,
  }
  if enqueue_item(q, continuationId, continuationJson, continuationScore, now, pid, partitionJson, accountId, wakeChannel, false, graceMs) == OK then
    redis.call('SADD', KEYS[9], continuationId)
  end
end
delete_pause(k, pauseId, pause)
removeTimeoutItem()
return {OK, hasPending and 1 or 0}
