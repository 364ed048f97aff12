-- startRun: marks a run started just before its first SDK request, once: status 'running' and
-- started_at = now (the start of `timeouts.finish`, reference §6 step 6), with its finish-timeout
-- cancel item enqueued on the run's partition and listed among its items. A run already started
-- changes nothing (its cancel item was enqueued by the first call); a run that has ended or is
-- gone changes nothing. Only runs of functions with timeouts call it: commitStep marks the
-- others started at their first commit. Checks come before any write.
-- KEYS[1] meta: the run's metadata hash
-- KEYS[2] runItems: the run's queue item IDs
-- KEYS[3] items: the queue's items hash
-- KEYS[4] tombstone: the cancel item's tombstone (placeholder: no cancel item)
-- KEYS[5] ready: the function partition's ready set
-- KEYS[6] partitions: hash pid -> partition JSON
-- KEYS[7] globalPartitions: the global partition index
-- KEYS[8] accounts: the accounts index
-- KEYS[9] accountPartitions: the account's partition index
-- ARGV[1] now: ms
-- ARGV[2] itemId: the finish-timeout cancel item ('' for none)
-- ARGV[3] itemJson
-- ARGV[4] score
-- ARGV[5] partitionId
-- ARGV[6] partitionJson
-- ARGV[7] accountId
-- ARGV[8] wakeChannel
-- ARGV[9] graceMs
-- returns 0 OK: the second element is started_at, the third 1 when this call marked it
-- returns -20 RUN_NOT_FOUND
-- returns -21 RUN_ENDED
-- @include run_is_open
-- @include check_partition_version
-- @include enqueue_item
local OK, RUN_NOT_FOUND, RUN_ENDED = 0, -20, -21
local now, itemId, itemJson, score = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local pid, partitionJson, accountId, wakeChannel = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local graceMs = tonumber(ARGV[9])
local meta, runItems = KEYS[1], KEYS[2]

local open, status = run_is_open(meta)
if not open then
  if status == nil then return {RUN_NOT_FOUND} end
  return {RUN_ENDED}
end
local startedAt = redis.call('HGET', meta, 'started_at')
if startedAt ~= false then return {OK, startedAt, 0} end
if itemId ~= '' then check_partition_version(KEYS[6], pid) end

redis.call('HSET', meta, 'status', 'running', 'started_at', now)
if itemId ~= '' then
  enqueue_item({
    items = KEYS[3], tombstone = KEYS[4], ready = KEYS[5], partitions = KEYS[6], global = KEYS[7],
    accounts = KEYS[8], accountPartitions = KEYS[9],
  }, itemId, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, false, graceMs)
  redis.call('SADD', runItems, itemId)
end
return {OK, ARGV[1], 1}
