-- rateLimit: admits one run of a rate-limited function by the GCRA of its rate-limit key, or
-- refuses it (reference §11.3): at most limit + burst at once, then one per periodMs/limit. An
-- admission is recorded under the run's idempotency key, so a retried Schedule of the same run
-- is admitted again without taking capacity twice; a Schedule whose idempotency key already
-- names a run (live, ended or skipped) takes none either (that run answers it). A refusal writes
-- nothing.
-- KEYS[1] idempotency: the run's idempotency key
-- KEYS[2] admitted: the record of that idempotency key's admission (value: its expiry, ms)
-- KEYS[3] limit: the rate-limit key's GCRA state
-- ARGV[1] now: ms
-- ARGV[2] limit
-- ARGV[3] burst
-- ARGV[4] periodMs
-- ARGV[5] admittedTtlMs: how long a retried Schedule of an admitted run is admitted free
-- returns 0 OK: admitted
-- returns 30 RATE_LIMITED: over the limit (second element: when one more would fit, ms)
-- @include gcra_check
local OK, RATE_LIMITED = 0, 30
local now, limit, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local periodMs, admittedTtlMs = tonumber(ARGV[4]), tonumber(ARGV[5])

local held = redis.call('GET', KEYS[1])
if held ~= false then
  local expiry = string.match(held, '|(.*)$')
  if tonumber(expiry) > now then return {OK} end
end
local admitted = redis.call('GET', KEYS[2])
if admitted ~= false and tonumber(admitted) > now then return {OK} end
local allowed, state, ttlMs = gcra_check(KEYS[3], now, limit, burst, periodMs)
if not allowed then return {RATE_LIMITED, state} end
redis.call('SET', KEYS[3], state, 'PX', ttlMs)
redis.call('SET', KEYS[2], now + admittedTtlMs, 'PX', admittedTtlMs)
return {OK}
