-- storeEvents: stores received events by internal ID for inspection, kept for retentionMs (a
-- Redis expiry that only collects garbage: nothing reads an event's age). A repeat overwrites the
-- same bytes.
-- KEYS per entry (1): event
-- ARGV[1] retentionMs
-- ARGV per entry (1): eventJson
-- returns 0 OK
local OK = 0
local retentionMs = tonumber(ARGV[1])
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1 + i], 'PX', retentionMs) end
return OK
