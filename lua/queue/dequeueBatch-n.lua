-- dequeueBatch: dequeue for N items (of any partitions of this shard) in one call; each item is
-- fenced and handled exactly as by dequeue (an item named twice is handled as a repeat after
-- the first). Leases are read in one HMGET and removals written in bulk, one call per key.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] scavenger: the scavenger index
-- KEYS[4] partitions: hash pid -> partition JSON
-- KEYS[5] globalPartitions: the global partition index
-- KEYS[6] accounts: the accounts index
-- KEYS per entry (8): ready, leased, tombstone, accountPartitions, inProgressAccount, inProgressPartition, inProgressCustom1, inProgressCustom2
-- ARGV[1] now: ms
-- ARGV[2] graceMs: clock-skew bound, for the unfenced path and the partitions' leases
-- ARGV[3] wakeChannel: '' for none
-- ARGV[4] count: the number of entries N
-- ARGV per entry (5): itemId, partitionId, leaseId, accountId, tombstoneTtlMs
-- reply {status_1, ..., status_N}, each as dequeue's
-- returns per entry 0 OK
-- returns per entry -1 NOT_FOUND
-- returns per entry -2 ALREADY_LEASED
-- returns per entry -8 LEASE_MISMATCH
-- returns per entry -9 LEASE_EXPIRED
-- returns per entry -10 NOT_LEASED
-- @include is_real_key
-- @include dequeue_status
-- @include check_partition_version
-- @include write_tombstone
-- @include track_earliest
-- @include after_items_removed
local OK, NOT_FOUND = 0, -1
local now, graceMs, wakeChannel, count = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local itemsKey, leasesKey = KEYS[1], KEYS[2]
local ids = {}
for i = 0, count - 1 do ids[i + 1] = ARGV[5 + i * 5] end
local current = count > 0 and redis.call('HMGET', leasesKey, unpack(ids)) or {}

-- Each entry is decided as a single dequeue would decide it (dequeue_status); a repeat of an
-- earlier call's ack (the item is gone, its tombstone names the lease) answers OK and, as there,
-- changes nothing. An ID named again after an earlier entry of this batch removed it answers as
-- a repeat would after that removal: OK for the same lease when a tombstone is kept, else
-- NOT_FOUND. An ID whose earlier entry was refused is judged afresh (nothing about it changed).
local out, removedBy, removed = {}, {}, {}
for i = 1, count do
  local kb, ab = 7 + (i - 1) * 8, 5 + (i - 1) * 5
  local id, leaseId = ids[i], ARGV[ab + 2]
  local first = removedBy[id]
  local code, present = nil, false
  if first then
    if leaseId ~= '' and leaseId == first.leaseId and first.ttl > 0 then code = OK else code = NOT_FOUND end
  else
    code, present = dequeue_status({items = itemsKey, tombstone = KEYS[kb + 2]}, id, leaseId, current[i], now, graceMs)
  end
  if code == OK and present then
    removed[#removed + 1] = i
    removedBy[id] = {leaseId = leaseId, ttl = tonumber(ARGV[ab + 4])}
  end
  out[i] = code
end

-- Bulk removals: ids per key, each key once.
local byKey, keyOrder = {}, {}
local function add(key, id)
  if not is_real_key(key) then return end
  local list = byKey[key]
  if list == nil then
    list = {}
    byKey[key] = list
    keyOrder[#keyOrder + 1] = key
  end
  list[#list + 1] = id
end
local removedIds, touched, order = {}, {}, {}
for _, i in ipairs(removed) do
  local kb, ab = 7 + (i - 1) * 8, 5 + (i - 1) * 5
  local id, pid = ids[i], ARGV[ab + 1]
  removedIds[#removedIds + 1] = id
  for j = 0, 7 do
    if j ~= 2 and j ~= 3 then add(KEYS[kb + j], id) end
  end
  if touched[pid] == nil then
    touched[pid] = {
      partitions = KEYS[4], global = KEYS[5], accounts = KEYS[6], ready = KEYS[kb],
      leased = KEYS[kb + 1], accountPartitions = KEYS[kb + 3], accountId = ARGV[ab + 3],
    }
    order[#order + 1] = pid
  end
end
-- Every partition it will touch must be of a known version before anything is written.
for _, pid in ipairs(order) do check_partition_version(KEYS[4], pid) end
for _, i in ipairs(removed) do
  local kb, ab = 7 + (i - 1) * 8, 5 + (i - 1) * 5
  write_tombstone(KEYS[kb + 2], now, tonumber(ARGV[ab + 4]), ARGV[ab + 2])
end
if #removedIds > 0 then
  redis.call('HDEL', itemsKey, unpack(removedIds))
  redis.call('HDEL', leasesKey, unpack(removedIds))
  for _, key in ipairs(keyOrder) do redis.call('ZREM', key, unpack(byKey[key])) end
end
for _, pid in ipairs(order) do
  local k = touched[pid]
  track_earliest(KEYS[3], k.leased, pid)
  after_items_removed(k, pid, k.accountId, now, graceMs, wakeChannel)
end
return out
