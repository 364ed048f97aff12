-- dequeueBatch: dequeue for N items (of any partitions of this shard) in one call; each item is
-- fenced and handled exactly as by dequeue.
-- KEYS[1] items hash  KEYS[2] leases hash  KEYS[3] scavenger index  KEYS[4] partitions hash
-- KEYS[5] global partition index  KEYS[6] accounts index, then N groups of 8:
--   ready set, partition lease index, tombstone, account partition index, account in-progress,
--   function in-progress, custom key 1 in-progress, custom key 2 in-progress
-- ARGV[1] now ms  ARGV[2] grace ms  ARGV[3] wake channel ('' none)  ARGV[4] N, then N groups
-- of 5: itemId, pid, leaseId, accountId, tombstone ttl ms
-- returns {code_1, ..., code_N}; codes as dequeue
-- returns 0 OK
-- returns -1 NOT_FOUND
-- returns -2 ALREADY_LEASED
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- @include dequeue_item
-- @include track_earliest
-- @include settle_partition
local now, graceMs, wakeChannel, count = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local out = {}
-- Partitions that lost items, in first-seen order: each is settled once, after the loop.
local touched, order = {}, {}
for i = 0, count - 1 do
  local kb, ab = 7 + i * 8, 5 + i * 5
  local pid, accountId = ARGV[ab + 1], ARGV[ab + 3]
  local k = {
    items = KEYS[1], leases = KEYS[2], scavenge = KEYS[3], partitions = KEYS[4],
    global = KEYS[5], accounts = KEYS[6], ready = KEYS[kb], leased = KEYS[kb + 1],
    tombstone = KEYS[kb + 2], accountPartitions = KEYS[kb + 3],
    inProgress = {KEYS[kb + 4], KEYS[kb + 5], KEYS[kb + 6], KEYS[kb + 7]}, pid = pid,
  }
  local code = dequeue_item(k, ARGV[ab], ARGV[ab + 2], now, tonumber(ARGV[ab + 4]), graceMs)
  if code == 0 and touched[pid] == nil then
    touched[pid] = {k = k, accountId = accountId}
    order[#order + 1] = pid
  end
  out[#out + 1] = code
end
for _, pid in ipairs(order) do
  local t = touched[pid]
  track_earliest(t.k.scavenge, t.k.leased, pid)
  settle_partition(t.k, pid, t.accountId, now, wakeChannel)
end
return out
