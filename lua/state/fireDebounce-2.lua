-- fireDebounce: a debounce window's timer fires. A window that is due (its due time reached)
-- closes: the key's pointer stops naming it, so every later event opens a new window, and the
-- window keeps its event until dropDebounce removes it. A closed window answers its event again
-- (a retried timer), so its run can be scheduled again under the same idempotency key. A window
-- not yet due (an event extended it) changes nothing and answers its due time.
-- KEYS[1] pointer: string, the ID of the key's open window
-- KEYS[2] windows: hash windowId -> window JSON
-- ARGV[1] windowId
-- ARGV[2] now: ms
-- returns 0 OK: the window is closed (second element: its event JSON)
-- returns -40 DEBOUNCE_NOT_DUE: the window is open until later (second element: its due ms)
-- returns -1 NOT_FOUND: no such window (its run was scheduled and it was dropped)
local OK, DEBOUNCE_NOT_DUE, NOT_FOUND = 0, -40, -1
local pointer, windows = KEYS[1], KEYS[2]
local windowId, now = ARGV[1], tonumber(ARGV[2])

local stored = redis.call('HGET', windows, windowId)
if stored == false then return {NOT_FOUND, ''} end
local w = cjson.decode(stored)
if w.closed == 1 then return {OK, w.e} end
if w.due > now then return {DEBOUNCE_NOT_DUE, tostring(w.due)} end
if redis.call('GET', pointer) == windowId then redis.call('DEL', pointer) end
w.closed = 1
redis.call('HSET', windows, windowId, cjson.encode(w))
return {OK, w.e}
