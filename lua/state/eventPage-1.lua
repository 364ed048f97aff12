-- eventPage: one page of an event index (the shard's or an event name's), newest first: entries
-- received in [minMs, maxMs], after the cursor in that order (older, or as old with a smaller
-- ID, since a sorted set orders equal scores by member). Reads only; the caller fetches the
-- events themselves (their keys are known only from this reply).
-- KEYS[1] index: zset internalId -> received ms
-- ARGV[1] minMs: inclusive
-- ARGV[2] maxMs: inclusive
-- ARGV[3] cursor: an internal ID, '' to start at the newest
-- ARGV[4] cursorMs: where to start when the cursor is not in the index: before this time
-- ARGV[5] limit: most entries
-- returns a flat list: internalId, received ms, ...
local index = KEYS[1]
-- Times go to Redis as the caller wrote them (Lua would print a large number as 1.7e+12).
local minMs, maxMs, cursor, cursorMs = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
-- Ranks count from the newest; everything received after maxMs comes before the page.
local start = redis.call('ZCOUNT', index, '(' .. maxMs, '+inf')
if cursor ~= '' then
  local rank = redis.call('ZREVRANK', index, cursor)
  if rank == false then rank = redis.call('ZCOUNT', index, cursorMs, '+inf') - 1 end
  start = math.max(start, rank + 1)
end
local rows = redis.call('ZREVRANGE', index, start, start + limit - 1, 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  if tonumber(rows[i + 1]) < minMs then break end
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
end
return out
