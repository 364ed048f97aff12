-- decode_pause(raw, id): a stored pause JSON, decoded; an error names the pause when its schema
-- version `v` is not one this code knows (PAUSE_VERSION in src/state/pause.ts).
local function decode_pause(raw, id)
  local PAUSE_VERSION = 1
  local pause = cjson.decode(raw)
  if pause.v ~= PAUSE_VERSION then
    error('durq: pause ' .. tostring(id) .. ' has schema version ' .. tostring(pause.v) .. ', this durq knows ' .. PAUSE_VERSION)
  end
  return pause
end
