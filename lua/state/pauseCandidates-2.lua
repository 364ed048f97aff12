-- pauseCandidates: the pauses waiting for an event name, for the matcher to evaluate. Index
-- entries whose pause is gone (deleted with its run) are dropped here.
-- KEYS[1] pauseIndex: the event name's pause index
-- KEYS[2] pauses: hash pauseId -> pause JSON
-- returns a flat list: pauseId, pauseJson, ...
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw == false then
    redis.call('SREM', KEYS[1], id)
  else
    out[#out + 1] = id
    out[#out + 1] = raw
  end
end
return out
