-- decode_partition(raw, pid): the stored partition JSON `raw`, decoded; an error names the
-- partition when its schema version `v` is not one this code knows (PARTITION_VERSION in
-- src/queue/partition.ts), so that no script edits a record a newer durq wrote.
local function decode_partition(raw, pid)
  local PARTITION_VERSION = 1
  local p = cjson.decode(raw)
  if p.v ~= PARTITION_VERSION then
    error('durq: partition ' .. tostring(pid) .. ' has schema version ' .. tostring(p.v) .. ', this durq knows ' .. PARTITION_VERSION)
  end
  return p
end
