-- decode_item(raw, id): the stored item JSON `raw`, decoded; an error names the item when its
-- schema version `v` is not one this code knows (ITEM_VERSION in src/queue/item.ts), so that no
-- script edits a record a newer durq wrote.
local function decode_item(raw, id)
  local ITEM_VERSION = 1
  local item = cjson.decode(raw)
  if item.v ~= ITEM_VERSION then
    error('durq: item ' .. tostring(id) .. ' has schema version ' .. tostring(item.v) .. ', this durq knows ' .. ITEM_VERSION)
  end
  return item
end
