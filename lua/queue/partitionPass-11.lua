-- partitionPass: a whole scanner pass over one partition in a single call, for partitions whose
-- items carry no custom concurrency key and no throttle (metadata without the `c` mark). It
-- refuses a partition another scanner holds (as partitionLease), leases up to `want` of its items
-- due by `until` in score order (as peek, then leaseBatch with no per-item keys), and hands the
-- partition back (as partitionRequeue): forced to now + concurrency-requeue ms when a function or
-- account limit refused an item, else to `requeue at` or its earliest ready item if earlier, with
-- a wake-up when that is due now because the pass took its fill; collected when it holds
-- nothing. No partition lease is needed: nothing can interleave with one script.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] ready: the partition's ready set
-- KEYS[4] leased: the partition's lease index
-- KEYS[5] scavenger: the scavenger index
-- KEYS[6] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[7] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[8] partitions: hash pid -> partition JSON
-- KEYS[9] globalPartitions: the global partition index
-- KEYS[10] accounts: the accounts index
-- KEYS[11] accountPartitions: the account's partition index (placeholder: none)
-- ARGV[1] partitionId
-- ARGV[2] now: ms
-- ARGV[3] graceMs: clock-skew bound
-- ARGV[4] untilMs: lease items due by this time
-- ARGV[5] want: items to lease at most
-- ARGV[6] accountLimit: 0 = unlimited
-- ARGV[7] functionLimit: 0 = unlimited
-- ARGV[8] fifo: 0/1, stop at the first function or account limit
-- ARGV[9] accountId: '' for none
-- ARGV[10] wakeChannel: '' for none
-- ARGV[11] concurrencyRequeueMs: how long a limit hides the partition
-- ARGV[12] requeueAt: ms, where the partition goes otherwise
-- ARGV per entry (1): leaseId
--   (`want` lease IDs, all with the same expiry: the n-th item leased takes the n-th)
-- reply {status, ids, item JSONs, entry statuses, lastLeasedAt}: ids and JSONs of the items
--   leased, in order; the status of every item looked at (for the caller's refusal counts); the
--   time of the partition's previous pass or lease (0: new, or collected and recreated)
-- returns 0 OK
-- returns -1 NOT_FOUND: no such partition (a reply of {status} alone)
-- returns -2 ALREADY_LEASED: another scanner holds the partition
-- returns -13 CONSTRAINED: its items may carry custom keys or throttles: use the general path
--   (a due item found with custom keys or a throttle, but no mark, gets the mark; nothing else)
-- returns per entry 0 OK: leased
-- returns per entry -1 NOT_FOUND
-- returns per entry -2 ALREADY_LEASED
-- returns per entry -3 FUNCTION_LIMIT
-- returns per entry -6 ACCOUNT_LIMIT
-- returns per entry -12 NOT_ATTEMPTED: after a FIFO stop
-- @include decode_partition
-- @include is_real_key
-- @include concurrency_capacity
-- @include decode_ulid_time
-- @include lease_is_live
-- @include track_earliest
-- @include hand_back_partition
-- @include item_version_known
local OK, NOT_FOUND, ALREADY_LEASED, FUNCTION_LIMIT, ACCOUNT_LIMIT = 0, -1, -2, -3, -6
local NOT_ATTEMPTED, CONSTRAINED = -12, -13
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local partitionsKey, globalKey, accountsKey, accountPartitionsKey = KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local pid, now, graceMs, untilMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local want, fifo, accountId, wakeChannel = tonumber(ARGV[5]), ARGV[8] == '1', ARGV[9], ARGV[10]

local raw = redis.call('HGET', partitionsKey, pid)
if raw == false then return {NOT_FOUND} end
local p = decode_partition(raw, pid)
if p.c then return {CONSTRAINED} end
if p.leaseId ~= nil and lease_is_live(p.leaseId, now, graceMs) then return {ALREADY_LEASED} end
local lastLeasedAt = p.lastLeasedAt or 0

local accountKey = is_real_key(KEYS[6]) and KEYS[6]
local counts = {}
local due = {}
if want > 0 then
  due = redis.call('ZRANGE', readyKey, '-inf', untilMs, 'BYSCORE', 'LIMIT', 0, want)
end
-- Checks as lease's (exists, not leased, function, account), read in bulk; writes in bulk after.
local ids, jsons, codes, limited = {}, {}, {}, false
if #due > 0 then
  local stored = redis.call('HMGET', itemsKey, unpack(due))
  -- The mark is set at enqueue; items written without it (by an older version) are caught
  -- here: a due item with custom keys or a throttle marks the partition and nothing else changes.
  for i, json in ipairs(stored) do
    if json and not item_version_known(json) then
      error('durq: item ' .. due[i] .. ' has a schema version this durq does not know')
    end
    if json and (string.find(json, '"ck":', 1, true) or string.find(json, '"th":', 1, true)) then
      p.c = 1
      redis.call('HSET', partitionsKey, pid, cjson.encode(p))
      return {CONSTRAINED}
    end
  end
  local current = redis.call('HMGET', leasesKey, unpack(due))
  local fnLeft = concurrency_capacity(KEYS[7], tonumber(ARGV[7]), now, graceMs, counts)
  local accountLeft = 1e15
  if accountKey then
    accountLeft = concurrency_capacity(accountKey, tonumber(ARGV[6]), now, graceMs, counts)
  end
  for i, id in ipairs(due) do
    local code = OK
    if fifo and limited then code = NOT_ATTEMPTED
    elseif stored[i] == false then code = NOT_FOUND
    elseif current[i] ~= false and lease_is_live(current[i], now, graceMs) then code = ALREADY_LEASED
    elseif fnLeft <= 0 then code = FUNCTION_LIMIT
    elseif accountLeft <= 0 then code = ACCOUNT_LIMIT
    else
      fnLeft, accountLeft = fnLeft - 1, accountLeft - 1
      ids[#ids + 1], jsons[#jsons + 1] = id, stored[i]
    end
    if code == FUNCTION_LIMIT or code == ACCOUNT_LIMIT then limited = true end
    codes[i] = code
  end
end
if #ids > 0 then
  -- Every lease of one pass has the same expiry (the caller's now + lease ms).
  local expiry = decode_ulid_time(ARGV[13])
  local leasePairs, scored = {}, {}
  for n, id in ipairs(ids) do
    leasePairs[2 * n - 1], leasePairs[2 * n] = id, ARGV[12 + n]
    scored[2 * n - 1], scored[2 * n] = expiry, id
  end
  redis.call('HSET', leasesKey, unpack(leasePairs))
  redis.call('ZREM', readyKey, unpack(ids))
  redis.call('ZADD', leasedKey, unpack(scored))
  redis.call('ZADD', KEYS[7], unpack(scored))
  if accountKey then redis.call('ZADD', accountKey, unpack(scored)) end
  track_earliest(scavengeKey, leasedKey, pid)
end

p.lastLeasedAt = now
local k = {
  partitions = partitionsKey, global = globalKey, accounts = accountsKey,
  accountPartitions = accountPartitionsKey, ready = readyKey, leased = leasedKey,
}
local at = limited and now + tonumber(ARGV[11]) or tonumber(ARGV[12])
local target = hand_back_partition(k, p, pid, accountId, now, at, limited)
if target == nil then return {OK, ids, jsons, codes, lastLeasedAt} end
-- Due items left behind because the pass reached `want`: wake idle processors for them, as
-- '<score>|left' (a partition scanners have seen, not a newly due one). Items refused for other
-- reasons would only make every idle processor retry at once.
if target <= now and #due == want and want > 0 and wakeChannel ~= '' then
  redis.call('PUBLISH', wakeChannel, string.format('%d|left', target))
end
return {OK, ids, jsons, codes, lastLeasedAt}
