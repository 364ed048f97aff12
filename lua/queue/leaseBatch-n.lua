-- leaseBatch: leases up to N items of one partition in one call, in the order given, each under
-- the same checks as lease. FIFO mode stops at the first function or account limit (later items
-- must not overtake); custom-key and throttle refusals let later items through.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] ready: the partition's ready set
-- KEYS[4] leased: the partition's lease index
-- KEYS[5] scavenger: the scavenger index
-- KEYS[6] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[7] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[8..] indexed: custom-key in-progress sets and throttle states, referenced by index from ARGV
-- ARGV[1] partitionId
-- ARGV[2] now: ms
-- ARGV[3] graceMs: clock-skew bound
-- ARGV[4] accountLimit: <= 0 unlimited
-- ARGV[5] functionLimit
-- ARGV[6] fifo: 0/1
-- ARGV[7] count: the number of entries N
-- ARGV per entry (10): itemId, leaseId, customKey1Index, customKey1Limit, customKey2Index, customKey2Limit, throttleIndex, throttleLimit, throttleBurst, throttlePeriodMs
--   (a KEYS index of 0: none)
-- reply a flat list {status_1, retryAt_1, ..., status_N, retryAt_N}
-- returns per entry 0 OK: leased
-- returns per entry -1 NOT_FOUND
-- returns per entry -2 ALREADY_LEASED
-- returns per entry -3 FUNCTION_LIMIT
-- returns per entry -4 CUSTOM_KEY_1_LIMIT
-- returns per entry -5 CUSTOM_KEY_2_LIMIT
-- returns per entry -6 ACCOUNT_LIMIT
-- returns per entry -7 THROTTLED: retryAt is the earliest time the throttle admits it
-- returns per entry -12 NOT_ATTEMPTED: a FIFO batch stopped at an earlier item's function/account limit
-- @include is_real_key
-- @include try_lease_item
-- @include track_earliest
local OK, FUNCTION_LIMIT, ACCOUNT_LIMIT, NOT_ATTEMPTED = 0, -3, -6, -12
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local accountKey, fnKey = KEYS[6], KEYS[7]
local pid, now, graceMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local fifo, count = ARGV[6] == '1', tonumber(ARGV[7])

local k = {
  items = itemsKey, leases = leasesKey, ready = readyKey, leased = leasedKey,
  account = is_real_key(accountKey) and accountKey, fn = fnKey,
  counts = {}, accountLimit = tonumber(ARGV[4]), fnLimit = tonumber(ARGV[5]),
}
local function keyAt(index)
  if index == 0 then return false end
  return KEYS[index]
end

local out, leased, stopped = {}, 0, false
for i = 0, count - 1 do
  local a = 8 + i * 10
  local status, retryAt = NOT_ATTEMPTED, 0
  if not stopped then
    local it = {
      id = ARGV[a], leaseId = ARGV[a + 1],
      ck1 = keyAt(tonumber(ARGV[a + 2])), ck1Limit = tonumber(ARGV[a + 3]),
      ck2 = keyAt(tonumber(ARGV[a + 4])), ck2Limit = tonumber(ARGV[a + 5]),
      throttle = keyAt(tonumber(ARGV[a + 6])), thLimit = tonumber(ARGV[a + 7]),
      thBurst = tonumber(ARGV[a + 8]), thPeriod = tonumber(ARGV[a + 9]),
    }
    status, retryAt = try_lease_item(k, it, now, graceMs)
    if status == OK then leased = leased + 1 end
    if fifo and (status == FUNCTION_LIMIT or status == ACCOUNT_LIMIT) then stopped = true end
  end
  out[#out + 1] = status
  out[#out + 1] = retryAt
end
if leased > 0 then track_earliest(scavengeKey, leasedKey, pid) end
return out
