-- delete_pause(k, pauseId, pause): removes a pause from every index: the pauses hash, its event's
-- index, the run's set and, for an invoke, the correlation hash. k: {pauses, pauseIndex (nil or a
-- placeholder: the matcher drops dangling index entries), runPauses, invokes}.
-- @include is_real_key
local function delete_pause(k, pauseId, pause)
  redis.call('HDEL', k.pauses, pauseId)
  if k.pauseIndex ~= nil and is_real_key(k.pauseIndex) then redis.call('SREM', k.pauseIndex, pauseId) end
  redis.call('SREM', k.runPauses, pauseId)
  if pause ~= nil and pause.correlationId ~= nil then
    redis.call('HDEL', k.invokes, pause.correlationId)
  end
end
