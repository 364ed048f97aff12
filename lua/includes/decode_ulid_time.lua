-- decode_ulid_time(id): the 48-bit ms timestamp in the first 10 Crockford base-32 characters of a ULID.
-- Each byte is decoded by arithmetic (0-9, then A-Z without I, L, O, U), not by a table: a table
-- would be rebuilt on every script call.
local function decode_ulid_time(id)
  local t = 0
  for i = 1, 10 do
    local b, v = string.byte(id, i), nil
    if b == nil then v = nil
    elseif b >= 48 and b <= 57 then v = b - 48
    elseif b >= 65 and b <= 72 then v = b - 55
    elseif b == 74 or b == 75 then v = b - 56
    elseif b == 77 or b == 78 then v = b - 57
    elseif b >= 80 and b <= 84 then v = b - 58
    elseif b >= 86 and b <= 90 then v = b - 59
    end
    if v == nil then
      error('durq: malformed ULID ' .. tostring(id))
    end
    t = t * 32 + v
  end
  return t
end
