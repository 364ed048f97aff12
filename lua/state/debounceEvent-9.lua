-- debounceEvent: an event arrives for a debounced function's key (reference §11.1). With no
-- open window for the key, it opens one holding this event, due a period from now (or at the
-- timeout, when nearer), and enqueues the window's timer item for that time, all or nothing.
-- With an open window: an event whose ts is older than the stored one's changes nothing (the
-- last event by ts wins); any other replaces the stored event and moves the window's due time
-- to a period from now, never past its deadline (first event + timeout) and never earlier than
-- it was. The timer is not moved: when it fires early it finds the window not due and waits.
-- A window stays open until fireDebounce closes it; checks come before any write.
-- KEYS[1] pointer: string, the ID of the key's open window
-- KEYS[2] windows: hash windowId -> window JSON
-- KEYS[3] items: the queue's items hash
-- KEYS[4] tombstone: the new timer item's tombstone
-- KEYS[5] ready: the function partition's ready set
-- KEYS[6] partitions: hash pid -> partition JSON
-- KEYS[7] globalPartitions: the global partition index
-- KEYS[8] accounts: the accounts index
-- KEYS[9] accountPartitions: the account's partition index
-- ARGV[1] windowId: the ID a new window gets (a ULID)
-- ARGV[2] functionId
-- ARGV[3] key: the evaluated debounce key
-- ARGV[4] eventJson: the stored event
-- ARGV[5] eventTs: its ts, ms
-- ARGV[6] now: ms
-- ARGV[7] periodMs
-- ARGV[8] timeoutMs: the most a window may last from its first event; 0 for no bound
-- ARGV[9] itemId: the new window's timer item ID
-- ARGV[10] itemJson: the timer item, due at now + min(periodMs, timeoutMs)
-- ARGV[11] score
-- ARGV[12] partitionId
-- ARGV[13] partitionJson
-- ARGV[14] accountId
-- ARGV[15] wakeChannel
-- ARGV[16] graceMs
-- returns 0 OK: opened a window (second element: its ID)
-- returns 40 DEBOUNCE_EXTENDED: the open window now holds this event (second element: its ID)
-- returns 41 DEBOUNCE_STALE: the open window holds a newer event; nothing changed
-- returns 1 ITEM_EXISTS: the timer item's ID is taken; nothing written
-- returns 2 ITEM_TOMBSTONED: the timer item's ID was used recently; nothing written
-- @include check_partition_version
-- @include enqueue_item
local OK, DEBOUNCE_EXTENDED, DEBOUNCE_STALE = 0, 40, 41
local pointer, windows = KEYS[1], KEYS[2]
local windowId, functionId, key, eventJson = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local eventTs, now, periodMs = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local timeoutMs, itemId, itemJson, score = tonumber(ARGV[8]), ARGV[9], ARGV[10], tonumber(ARGV[11])
local pid, partitionJson, accountId, wakeChannel = ARGV[12], ARGV[13], ARGV[14], ARGV[15]
local graceMs = tonumber(ARGV[16])

local openId = redis.call('GET', pointer)
local stored = openId ~= false and redis.call('HGET', windows, openId) or false
local w = stored ~= false and cjson.decode(stored) or nil
if w ~= nil and w.closed ~= 1 then
  if eventTs < tonumber(w.ts) then return {DEBOUNCE_STALE, openId} end
  local due = now + periodMs
  if w.deadline ~= nil and due > w.deadline then due = w.deadline end
  if due > w.due then w.due = due end
  w.e, w.ts, w.last = eventJson, ARGV[5], now
  redis.call('HSET', windows, openId, cjson.encode(w))
  return {DEBOUNCE_EXTENDED, openId}
end

check_partition_version(KEYS[6], pid)
local enqueued = enqueue_item({
  items = KEYS[3], tombstone = KEYS[4], ready = KEYS[5], partitions = KEYS[6],
  global = KEYS[7], accounts = KEYS[8], accountPartitions = KEYS[9],
}, itemId, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, false, graceMs)
if enqueued ~= OK then return {enqueued, ''} end
local opened = {id = windowId, fn = functionId, key = key, e = eventJson, ts = ARGV[5],
  first = now, last = now, due = now + periodMs, timer = itemId}
if timeoutMs > 0 then
  opened.deadline = now + timeoutMs
  if opened.deadline < opened.due then opened.due = opened.deadline end
end
redis.call('HSET', windows, windowId, cjson.encode(opened))
redis.call('SET', pointer, windowId)
return {OK, windowId}
