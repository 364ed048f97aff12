-- createRun: creates a run with its idempotency key, metadata, trigger events, cancellation
-- pauses and start item, all or nothing. The idempotency key (value '<runId>|<expiry ms>', or
-- '-<runId>|<expiry ms>' once the run ended) decides first: while it has not expired (compared
-- with ARGV now), a second create for the same key creates nothing and answers the run that holds
-- it. A singleton run (ARGV singletonLock) also takes its singleton lock, which finishRun releases;
-- while another run holds the lock nothing is written. Checks come before any write.
-- KEYS[1] idempotency: the run's idempotency key
-- KEYS[2] meta: the run's metadata hash
-- KEYS[3] events: the run's trigger events (JSON array)
-- KEYS[4] runItems: the run's queue item IDs
-- KEYS[5] runPauses: the run's pause IDs
-- KEYS[6] pauses: hash pauseId -> pause JSON
-- KEYS[7] items: the queue's items hash
-- KEYS[8] tombstone: the start item's tombstone
-- KEYS[9] ready: the function partition's ready set
-- KEYS[10] partitions: hash pid -> partition JSON
-- KEYS[11] globalPartitions: the global partition index
-- KEYS[12] accounts: the accounts index
-- KEYS[13] accountPartitions: the account's partition index
-- KEYS[14] eventRuns: hash runId -> functionId, the runs the first trigger event started
-- KEYS[15] singleton: the run's singleton lock, value the holder's run ID (placeholder: none)
-- KEYS[16] cancelTombstone: the cancel item's tombstone (placeholder: no cancel item)
-- KEYS per entry (1): pauseIndex
-- ARGV[1] runId
-- ARGV[2] idempotencyTtlMs: how long the key refuses a second run
-- ARGV[3] metaJson: the metadata fields, a flat JSON object of strings
-- ARGV[4] eventsJson
-- ARGV[5] now: ms
-- ARGV[6] itemId: the start item's ID
-- ARGV[7] itemJson
-- ARGV[8] score
-- ARGV[9] partitionId
-- ARGV[10] partitionJson
-- ARGV[11] accountId
-- ARGV[12] wakeChannel
-- ARGV[13] graceMs
-- ARGV[14] eventRunsTtlMs: how long the event's run list is kept
-- ARGV[15] count: the number of entries
-- ARGV[16] singletonLock: the singleton lock's ID, kept in the metadata ('' for none)
-- ARGV[17] cancelItemId: the run's start-timeout cancel item, on the start item's partition ('' none)
-- ARGV[18] cancelItemJson
-- ARGV[19] cancelItemScore
-- ARGV per entry (2): pauseId, pauseJson
-- returns 0 OK: created (the reply's second element is the run ID)
-- returns 3 RUN_EXISTS: the key belongs to a run that has not ended (second element: its ID)
-- returns 4 RUN_SKIPPED: the key belongs to a run that ended (second element: its ID)
-- returns 31 SINGLETON_HELD: another run holds the singleton lock (second element: its ID)
-- @include check_partition_version
-- @include enqueue_item
local OK, RUN_EXISTS, RUN_SKIPPED, SINGLETON_HELD = 0, 3, 4, 31
local runId, idemTtl, metaJson, eventsJson = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local now, itemId, itemJson, score = tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
local pid, partitionJson, accountId, wakeChannel = ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local graceMs, eventRunsTtlMs, count = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local singletonLock = ARGV[16]
local cancelItemId, cancelItemJson, cancelItemScore = ARGV[17], ARGV[18], tonumber(ARGV[19])

local held = redis.call('GET', KEYS[1])
if held ~= false then
  local holder, expiry = string.match(held, '^([^|]*)|(.*)$')
  if tonumber(expiry) > now then
    if string.sub(holder, 1, 1) == '-' then return {RUN_SKIPPED, string.sub(holder, 2)} end
    return {RUN_EXISTS, holder}
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {RUN_EXISTS, runId} end
-- The start item's ID is the run's own: it is free unless this very run was created before.
if redis.call('HEXISTS', KEYS[7], itemId) == 1 or redis.call('EXISTS', KEYS[8]) == 1 then
  return {RUN_EXISTS, runId}
end
if singletonLock ~= '' then
  local holder = redis.call('GET', KEYS[15])
  if holder ~= false then return {SINGLETON_HELD, holder} end
end
check_partition_version(KEYS[10], pid)

redis.call('SET', KEYS[1], runId .. '|' .. (now + idemTtl), 'PX', idemTtl)
local meta = cjson.decode(metaJson)
if singletonLock ~= '' then
  redis.call('SET', KEYS[15], runId)
  meta.singleton = singletonLock
end
-- One HSET for every field: a call per field cost the ingest path 15 commands per run.
local fields = {}
for field, value in pairs(meta) do
  fields[#fields + 1] = field
  fields[#fields + 1] = value
end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SET', KEYS[3], eventsJson)
for i = 1, count do
  local pauseId, pauseJson = ARGV[19 + 2 * i - 1], ARGV[19 + 2 * i]
  redis.call('HSET', KEYS[6], pauseId, pauseJson)
  redis.call('SADD', KEYS[16 + i], pauseId)
  redis.call('SADD', KEYS[5], pauseId)
end
enqueue_item({
  items = KEYS[7], tombstone = KEYS[8], ready = KEYS[9], partitions = KEYS[10], global = KEYS[11],
  accounts = KEYS[12], accountPartitions = KEYS[13],
}, itemId, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, false, graceMs)
redis.call('SADD', KEYS[4], itemId)
if cancelItemId ~= '' then
  -- Its ID is the run's own too (a new run's: no tombstone can hold it).
  enqueue_item({
    items = KEYS[7], tombstone = KEYS[16], ready = KEYS[9], partitions = KEYS[10],
    global = KEYS[11], accounts = KEYS[12], accountPartitions = KEYS[13],
  }, cancelItemId, cancelItemJson, cancelItemScore, now, pid, partitionJson, accountId,
    wakeChannel, false, graceMs)
  redis.call('SADD', KEYS[4], cancelItemId)
end
redis.call('HSET', KEYS[14], runId, meta.fn)
redis.call('PEXPIRE', KEYS[14], eventRunsTtlMs)
return {OK, runId}
