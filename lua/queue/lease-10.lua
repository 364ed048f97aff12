-- lease: leases one item if the throttle, both custom keys, the function (or system queue) limit
-- and the account limit all admit it. A refusal writes nothing and names the constraint.
-- KEYS[1] items hash  KEYS[2] leases hash  KEYS[3] ready set  KEYS[4] partition lease index
-- KEYS[5] scavenger index  KEYS[6] account in-progress (placeholder: none)
-- KEYS[7] function in-progress  KEYS[8] custom key 1 in-progress (placeholder: none)
-- KEYS[9] custom key 2 in-progress (placeholder: none)  KEYS[10] throttle state (placeholder: none)
-- ARGV[1] itemId  ARGV[2] pid  ARGV[3] leaseId (ULID, time = expiry)  ARGV[4] now ms
-- ARGV[5] grace ms (clock-skew bound)  ARGV[6] account limit  ARGV[7] function limit
-- ARGV[8] custom key 1 limit  ARGV[9] custom key 2 limit  ARGV[10] throttle limit
-- ARGV[11] throttle burst  ARGV[12] throttle period ms        (limits <= 0: unlimited)
-- returns {code, retryAt ms}; codes:
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
local code, retryAt = try_lease_item(k, it, now, graceMs)
if code == 0 then track_earliest(scavengeKey, leasedKey, pid) end
return {code, retryAt}
