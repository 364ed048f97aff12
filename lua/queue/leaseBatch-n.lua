-- leaseBatch: leases up to N items of one partition in one call, in the order given, each under
-- the same checks as lease. FIFO mode stops at the first function or account limit (later items
-- must not overtake); custom-key and throttle refusals let later items through.
-- KEYS[1] items hash  KEYS[2] leases hash  KEYS[3] ready set  KEYS[4] partition lease index
-- KEYS[5] scavenger index  KEYS[6] account in-progress (placeholder: none)
-- KEYS[7] function in-progress  KEYS[8..] custom-key in-progress and throttle keys, referenced
-- by index from ARGV
-- ARGV[1] pid  ARGV[2] now ms  ARGV[3] grace ms  ARGV[4] account limit  ARGV[5] function limit
-- ARGV[6] fifo (0/1)  ARGV[7] item count N, then N groups of 10:
--   itemId, leaseId, ck1 KEYS index (0 none), ck1 limit, ck2 KEYS index, ck2 limit,
--   throttle KEYS index, throttle limit, throttle burst, throttle period ms
-- returns a flat list {code_1, retryAt_1, ..., code_N, retryAt_N}; codes as lease, plus:
-- returns -12 NOT_ATTEMPTED: a FIFO batch stopped at an earlier item's function/account limit
-- @include is_real_key
-- @include try_lease_item
-- @include track_earliest
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
  local code, retryAt = -12, 0
  if not stopped then
    local it = {
      id = ARGV[a], leaseId = ARGV[a + 1],
      ck1 = keyAt(tonumber(ARGV[a + 2])), ck1Limit = tonumber(ARGV[a + 3]),
      ck2 = keyAt(tonumber(ARGV[a + 4])), ck2Limit = tonumber(ARGV[a + 5]),
      throttle = keyAt(tonumber(ARGV[a + 6])), thLimit = tonumber(ARGV[a + 7]),
      thBurst = tonumber(ARGV[a + 8]), thPeriod = tonumber(ARGV[a + 9]),
    }
    code, retryAt = try_lease_item(k, it, now, graceMs)
    if code == 0 then leased = leased + 1 end
    if fifo and (code == -3 or code == -6) then stopped = true end
  end
  out[#out + 1] = code
  out[#out + 1] = retryAt
end
if leased > 0 then track_earliest(scavengeKey, leasedKey, pid) end
return out
