-- dropDebounce: removes a closed debounce window once its run is scheduled. An open window is
-- left alone (only a closed one has handed its event on).
-- KEYS[1] windows: hash windowId -> window JSON
-- ARGV[1] windowId
-- returns 0 OK: removed
-- returns -1 NOT_FOUND: no closed window of that ID
local OK, NOT_FOUND = 0, -1
local windows = KEYS[1]
local windowId = ARGV[1]

local stored = redis.call('HGET', windows, windowId)
if stored == false or cjson.decode(stored).closed ~= 1 then return NOT_FOUND end
redis.call('HDEL', windows, windowId)
return OK
