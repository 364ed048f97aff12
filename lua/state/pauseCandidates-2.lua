-- pauseCandidates: the pauses waiting for an event name, for the matcher to evaluate. Index
-- entries whose pause is gone (deleted with its run) are dropped here.
-- KEYS[1] pauseIndex: the event name's pause index
-- KEYS[2] pauses: hash pauseId -> pause JSON
-- returns a flat list: pauseId, pauseJson, ...
-- @include live_pauses
return live_pauses(KEYS[1], KEYS[2])
