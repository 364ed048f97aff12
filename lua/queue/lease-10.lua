-- lease: leases one item if the throttle, both custom keys, the function (or system queue) limit
-- and the account limit all admit it. A refusal writes nothing and names the constraint.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] ready: the partition's ready set
-- KEYS[4] leased: the partition's lease index
-- KEYS[5] scavenger: the scavenger index
-- KEYS[6] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[7] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[8] inProgressCustom1: custom key 1's in-progress set (placeholder: none)
-- KEYS[9] inProgressCustom2: custom key 2's in-progress set (placeholder: none)
-- KEYS[10] throttle: the throttle's GCRA state (placeholder: none)
-- ARGV[1] itemId
-- ARGV[2] partitionId
-- ARGV[3] leaseId: ULID, its time is the expiry
-- ARGV[4] now: ms
-- ARGV[5] graceMs: clock-skew bound
-- ARGV[6] accountLimit: <= 0 unlimited
-- ARGV[7] functionLimit
-- ARGV[8] customKey1Limit
-- ARGV[9] customKey2Limit
-- ARGV[10] throttleLimit
-- ARGV[11] throttleBurst
-- ARGV[12] throttlePeriodMs
-- reply {status, retryAt ms}
-- returns 0 OK: leased
-- returns -1 NOT_FOUND
-- returns -2 ALREADY_LEASED
-- returns -3 FUNCTION_LIMIT
-- returns -4 CUSTOM_KEY_1_LIMIT
-- returns -5 CUSTOM_KEY_2_LIMIT
-- returns -6 ACCOUNT_LIMIT
-- returns -7 THROTTLED: retryAt is the earliest time the throttle admits it
-- @include is_real_key
-- @include try_lease_item
-- @include track_earliest
local OK = 0
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local accountKey, fnKey, ck1Key, ck2Key, throttleKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local itemId, pid, leaseId, now, graceMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])

local k = {
  items = itemsKey, leases = leasesKey, ready = readyKey, leased = leasedKey,
  account = is_real_key(accountKey) and accountKey, fn = fnKey,
  counts = {}, accountLimit = tonumber(ARGV[6]), fnLimit = tonumber(ARGV[7]),
}
local it = {
  id = itemId, leaseId = leaseId,
  ck1 = is_real_key(ck1Key) and ck1Key, ck1Limit = tonumber(ARGV[8]),
  ck2 = is_real_key(ck2Key) and ck2Key, ck2Limit = tonumber(ARGV[9]),
  throttle = is_real_key(throttleKey) and throttleKey,
  thLimit = tonumber(ARGV[10]), thBurst = tonumber(ARGV[11]), thPeriod = tonumber(ARGV[12]),
}
local status, retryAt = try_lease_item(k, it, now, graceMs)
if status == OK then track_earliest(scavengeKey, leasedKey, pid) end
return {status, retryAt}
