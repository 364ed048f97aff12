-- appendBatch: puts one event into the open batch of its function and batch key, all or nothing.
-- The pointer names the open batch; when it names none (or a batch that is closed or gone), a
-- new batch opens under ARGV newBatchId and its timer item is enqueued (due at the batch's
-- timeout), so a batch that never fills still starts. An event already put into a batch of this
-- function (by internal ID, until its mark expires, compared with ARGV now) is not put again.
-- When the batch reaches maxSize events or maxBytes of event JSON it closes: the pointer is
-- cleared (the next event opens a new batch) and the caller starts it at once; its timer stays
-- queued as the safety net should the caller not get that far. Checks come before any write.
-- KEYS[1] pointer: the ID of the open batch of the function and batch key
-- KEYS[2] seen: the event's dedupe mark for this function ('<batchId>|<expiry ms>')
-- KEYS[3] batches: hash batchId -> batch JSON {fn, n, b, s}
-- KEYS[4] batchEvents: hash '<batchId>/<i>' -> event JSON
-- KEYS[5] items: the queue's items hash
-- KEYS[6] tombstone: the new batch's timer item's tombstone
-- KEYS[7] ready: the timer's partition's ready set
-- KEYS[8] partitions: hash pid -> partition JSON
-- KEYS[9] globalPartitions: the global partition index
-- KEYS[10] accounts: the accounts index
-- KEYS[11] accountPartitions: the account's partition index (placeholder for a system queue)
-- ARGV[1] functionId
-- ARGV[2] eventJson: the event as stored
-- ARGV[3] maxSize: events that fill a batch
-- ARGV[4] maxBytes: event JSON bytes that fill a batch
-- ARGV[5] now: ms
-- ARGV[6] seenTtlMs: how long the dedupe mark holds
-- ARGV[7] newBatchId: the ID of the batch this event opens, if it opens one
-- ARGV[8] itemId: the new batch's timer item's ID
-- ARGV[9] itemJson
-- ARGV[10] score: when the timer is due
-- ARGV[11] partitionId
-- ARGV[12] partitionJson
-- ARGV[13] accountId
-- ARGV[14] wakeChannel
-- ARGV[15] graceMs
-- ARGV[16] pointerTtlMs: garbage collection of a pointer to a batch long started (no semantics)
-- returns 0 OK: appended to the open batch (second element: its ID)
-- returns 50 BATCH_OPENED: opened a new batch with this event, its timer enqueued
-- returns 51 BATCH_FULL: appended, and the batch closed: start it now
-- returns 52 BATCH_DUPLICATE: the event is in a batch already (second element: that batch)
-- returns 1 ITEM_EXISTS: the new batch's timer item exists (a reused batch ID); nothing written
-- @include check_partition_version
-- @include enqueue_item
local OK, ITEM_EXISTS, BATCH_OPENED, BATCH_FULL, BATCH_DUPLICATE = 0, 1, 50, 51, 52
local fnId, eventJson, maxSize, maxBytes = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now, seenTtlMs, newBatchId = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local itemId, itemJson, score, pid = ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11]
local partitionJson, accountId, wakeChannel = ARGV[12], ARGV[13], ARGV[14]
local graceMs, pointerTtlMs = tonumber(ARGV[15]), tonumber(ARGV[16])

local seen = redis.call('GET', KEYS[2])
if seen ~= false then
  local batchId, expiry = string.match(seen, '^([^|]*)|(.*)$')
  if tonumber(expiry) > now then return {BATCH_DUPLICATE, batchId} end
end

local batchId, batch = redis.call('GET', KEYS[1]), nil
if batchId ~= false then
  local raw = redis.call('HGET', KEYS[3], batchId)
  if raw ~= false then batch = cjson.decode(raw) end
  if batch ~= nil and batch.s ~= 'open' then batch = nil end
end
local status = OK
if batch == nil then
  check_partition_version(KEYS[8], pid)
  local enqueued = enqueue_item({
    items = KEYS[5], tombstone = KEYS[6], ready = KEYS[7], partitions = KEYS[8],
    global = KEYS[9], accounts = KEYS[10], accountPartitions = KEYS[11],
  }, itemId, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, false, graceMs)
  if enqueued ~= OK then return {ITEM_EXISTS, newBatchId} end
  batchId, batch, status = newBatchId, {fn = fnId, n = 0, b = 0, s = 'open'}, BATCH_OPENED
  redis.call('SET', KEYS[1], batchId, 'PX', pointerTtlMs)
end

batch.n = batch.n + 1
batch.b = batch.b + #eventJson
redis.call('HSET', KEYS[4], batchId .. '/' .. batch.n, eventJson)
redis.call('SET', KEYS[2], batchId .. '|' .. (now + seenTtlMs), 'PX', seenTtlMs)
if batch.n >= maxSize or batch.b >= maxBytes then
  batch.s = 'closed'
  redis.call('DEL', KEYS[1])
  status = BATCH_FULL
end
redis.call('HSET', KEYS[3], batchId, cjson.encode(batch))
return {status, batchId}
