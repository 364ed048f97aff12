-- decode_ulid_time(id): the 48-bit ms timestamp in the first 10 Crockford base-32 characters of a ULID.
local ULID_DIGIT = {}
for i = 1, 32 do ULID_DIGIT[string.byte('0123456789ABCDEFGHJKMNPQRSTVWXYZ', i)] = i - 1 end
local function decode_ulid_time(id)
  local t = 0
  for i = 1, 10 do
    local v = ULID_DIGIT[string.byte(id, i)]
    if v == nil then
      error('durq: malformed ULID ' .. tostring(id))
    end
    t = t * 32 + v
  end
  return t
end
