-- readEvents: stored events by key, in order. Reads only.
-- KEYS per entry (1): event
-- returns a list: per event its JSON, or false when it is gone
local out = {}
for i = 1, #KEYS do out[i] = redis.call('GET', KEYS[i]) end
return out
