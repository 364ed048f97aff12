-- ingestEvents: what send() needs from Redis, in one round trip: stores the events (kept for
-- retentionMs, a Redis expiry that only collects garbage), and answers the registry version with
-- every function when it differs from the caller's, and, per event, the pauses waiting for its
-- name (index entries whose pause is gone are dropped here).
-- KEYS[1] functions: hash functionId -> function JSON
-- KEYS[2] registryVersion: a counter, raised on every change
-- KEYS[3] pauses: hash pauseId -> pause JSON
-- KEYS per entry (2): event, pauseIndex
-- ARGV[1] retentionMs
-- ARGV[2] knownVersion: the registry version the caller holds ('' for none)
-- ARGV per entry (1): eventJson
-- returns a list: the version, the flat functionId, JSON list (empty when unchanged), then per
--   event a flat pauseId, pauseJson list
-- @include live_pauses
local retentionMs, knownVersion = tonumber(ARGV[1]), ARGV[2]
local version = redis.call('GET', KEYS[2]) or '0'
local out = {version, version == knownVersion and {} or redis.call('HGETALL', KEYS[1])}
local n = (#KEYS - 3) / 2
for i = 1, n do
  local eventKey, indexKey = KEYS[3 + 2 * i - 1], KEYS[3 + 2 * i]
  redis.call('SET', eventKey, ARGV[2 + i], 'PX', retentionMs)
  out[#out + 1] = live_pauses(indexKey, KEYS[3])
end
return out
