-- peekByScore: members of an index (accounts, scavenger, global partitions) whose score is
-- <= until. When more are due than `limit`, a window starts at an offset chosen by the caller's
-- seeded random (see peek_index_window).
-- KEYS[1] index: the sorted set
-- ARGV[1] untilMs: inclusive ('+inf': everything)
-- ARGV[2] limit
-- ARGV[3] offsetFraction: in [0, 1), or -1 for score order from the start
-- reply {count due, ids, scores}
-- @include peek_index_window
local indexKey = KEYS[1]
local untilMs, limit, fraction = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)
return {due, ids, scores}
