-- is_real_key(key): false for the placeholder keys (ending in ':-') that fill unused KEYS slots.
local function is_real_key(key)
  return string.sub(key, -2) ~= ':-'
end
