-- item_version_known(json): whether stored item JSON carries the schema version this code knows
-- (ITEM_VERSION in src/queue/item.ts), found without decoding it: partitionPass leases many items
-- and decodes none. A payload is a string inside the JSON, so its quotes are escaped and cannot
-- match.
local function item_version_known(json)
  local ITEM_VERSION = 1
  return string.find(json, '"v":' .. ITEM_VERSION .. '[,}]') ~= nil
end
