-- decode_ulid_time(id): the 48-bit ms timestamp in the first 10 Crockford base-32 characters of a ULID.
local function decode_ulid_time(id)
  local alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  local t = 0
  for i = 1, 10 do
    local c = string.sub(id, i, i)
    local v = string.find(alphabet, c, 1, true)
    if v == nil then
      error('durq: malformed ULID ' .. tostring(id))
    end
    t = t * 32 + (v - 1)
  end
  return t
end
