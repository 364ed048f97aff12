-- live_pauses(indexKey, pausesKey): the pauses an event name's index lists, as a flat pauseId,
-- pauseJson list, by pause ID (a set's own order differs from server to server); index entries
-- whose pause is gone (deleted with its run) are dropped here.
-- @include sorted_members
local function live_pauses(indexKey, pausesKey)
  local out = {}
  local ids = sorted_members(indexKey)
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', pausesKey, id)
    if raw == false then
      redis.call('SREM', indexKey, id)
    else
      out[#out + 1] = id
      out[#out + 1] = raw
    end
  end
  return out
end
