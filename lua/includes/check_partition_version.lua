-- check_partition_version(partitionsKey, pid): raises decode_partition's error when the stored
-- partition has a schema version this code does not know; nothing when it is known or absent.
-- Scripts that edit a partition after other writes call it before their first write, so that an
-- unknown version stops them with nothing half written.
-- @include decode_partition
local function check_partition_version(partitionsKey, pid)
  local raw = redis.call('HGET', partitionsKey, pid)
  if raw ~= false then decode_partition(raw, pid) end
end
