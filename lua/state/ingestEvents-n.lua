-- ingestEvents: what send() needs from Redis, in one round trip: stores the events (kept for
-- retentionMs, a Redis expiry that only collects garbage), adds each to the shard's event index
-- and its name's, scored by the time it was received (`now`), and trims from both the entries
-- received retentionMs or more before now (readers apply the same cutoff, so an index not yet
-- trimmed shows nothing older; an index's own expiry only collects it once every entry is that
-- old); and answers the registry version with every function when it differs from the
-- caller's, and, per event, the pauses waiting for its name (index entries whose pause is gone
-- are dropped here).
-- KEYS[1] functions: hash functionId -> function JSON
-- KEYS[2] registryVersion: a counter, raised on every change
-- KEYS[3] pauses: hash pauseId -> pause JSON
-- KEYS[4] eventIndex: zset internalId -> received ms, the shard's events
-- KEYS per entry (3): event, pauseIndex, eventNameIndex
-- ARGV[1] retentionMs
-- ARGV[2] knownVersion: the registry version the caller holds ('' for none)
-- ARGV[3] now: ms, when the events were received
-- ARGV per entry (2): internalId, eventJson
-- returns a list: the version, the flat functionId, JSON list (empty when unchanged), then per
--   event a flat pauseId, pauseJson list
-- @include live_pauses
-- @include trim_event_index
local retentionMs, knownVersion, now = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local eventIndex = KEYS[4]
local version = redis.call('GET', KEYS[2]) or '0'
local out = {version, version == knownVersion and {} or redis.call('HGETALL', KEYS[1])}
local n = (#KEYS - 4) / 3
local trimmed = {}
for i = 1, n do
  local eventKey, pauseIndex, nameIndex = KEYS[3 * i + 2], KEYS[3 * i + 3], KEYS[3 * i + 4]
  local internalId, eventJson = ARGV[2 * i + 2], ARGV[2 * i + 3]
  redis.call('SET', eventKey, eventJson, 'PX', retentionMs)
  redis.call('ZADD', nameIndex, now, internalId)
  if not trimmed[nameIndex] then
    trim_event_index(nameIndex, now, retentionMs)
    trimmed[nameIndex] = true
  end
  redis.call('ZADD', eventIndex, now, internalId)
  out[#out + 1] = live_pauses(pauseIndex, KEYS[3])
end
if n > 0 then trim_event_index(eventIndex, now, retentionMs) end
return out
