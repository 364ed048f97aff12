-- partitionLease: gives one scanner the partition for the lease's duration and hides it from
-- other scanners by moving its pointer to the lease expiry (or to its force time, if later).
-- KEYS[1] partitions: hash pid -> partition JSON
-- KEYS[2] globalPartitions: the global partition index
-- KEYS[3] accounts: the accounts index
-- KEYS[4] accountPartitions: the account's partition index (placeholder when none)
-- ARGV[1] partitionId
-- ARGV[2] leaseId: ULID, its time is the lease expiry
-- ARGV[3] now: ms
-- ARGV[4] accountId: '' for none
-- ARGV[5] graceMs: clock-skew bound, another scanner's lease counts until expiry + grace
-- reply {status, lastLeasedAt}: when granted, the partition's lastLeasedAt before this lease (0: new)
-- returns 0 OK
-- returns -1 NOT_FOUND: no such partition
-- returns -2 ALREADY_LEASED: another scanner holds an unexpired lease
-- @include decode_partition
-- @include decode_ulid_time
-- @include lease_is_live
-- @include set_partition_pointer
local OK, NOT_FOUND, ALREADY_LEASED = 0, -1, -2
local partitionsKey, globalKey, accountsKey, accountPartitionsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pid, leaseId, now, accountId, graceMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])

local raw = redis.call('HGET', partitionsKey, pid)
if raw == false then return {NOT_FOUND} end
local p = decode_partition(raw, pid)
if p.leaseId ~= nil and lease_is_live(p.leaseId, now, graceMs) then return {ALREADY_LEASED} end
local lastLeasedAt = p.lastLeasedAt or 0
p.leaseId = leaseId
p.lastLeasedAt = now
p.freed = nil
redis.call('HSET', partitionsKey, pid, cjson.encode(p))
local hideUntil = decode_ulid_time(leaseId)
if p.forcedUntil ~= nil and p.forcedUntil > hideUntil then hideUntil = p.forcedUntil end
set_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId, hideUntil)
return {OK, lastLeasedAt}
