-- peek_index_window(indexKey, untilMs, limit, fraction): members of a sorted set with score <=
-- untilMs, at most `limit`. When more are due, the window starts at floor(fraction * (due -
-- limit + 1)); fraction comes from the caller's seeded random, -1 = from the start.
-- Returns due count, ids, scores.
local function peek_index_window(indexKey, untilMs, limit, fraction)
  local due = redis.call('ZCOUNT', indexKey, '-inf', untilMs)
  local offset = 0
  if fraction >= 0 and due > limit then offset = math.floor(fraction * (due - limit + 1)) end
  local rows = redis.call('ZRANGE', indexKey, '-inf', untilMs, 'BYSCORE', 'LIMIT', offset, limit,
    'WITHSCORES')
  local ids, scores = {}, {}
  for i = 1, #rows, 2 do
    ids[#ids + 1] = rows[i]
    scores[#scores + 1] = rows[i + 1]
  end
  return due, ids, scores
end
