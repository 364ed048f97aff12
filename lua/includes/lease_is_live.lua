-- lease_is_live(leaseId, now, graceMs): whether a lease (a ULID whose time is its expiry) still
-- counts at `now`, by the one rule of lease_cutoff: its holder passes graceMs 0, everyone else
-- the clock-skew bound. Every per-lease check of a script asks this.
-- @include decode_ulid_time
-- @include lease_cutoff
local function lease_is_live(leaseId, now, graceMs)
  return decode_ulid_time(leaseId) > lease_cutoff(now, graceMs)
end
