-- partitionRequeue: a scanner hands the partition back. Clears its lease; garbage-collects it
-- (metadata and pointers) when it holds no ready and no leased item. Forced: the pointer goes to
-- `at` and stays there (enqueues cannot pull it earlier) until `at`, unless a dequeue frees
-- capacity, also while the partition was leased (it is then marked `freed`, and a forced requeue
-- is taken as not forced). Not forced: the pointer goes to `at` or to the earliest ready item, if
-- earlier. A pointer left due now publishes a wake-up, '<score>|left' (a partition scanners have
-- seen, where other wake-ups announce newly due work).
-- KEYS[1] partitions: hash pid -> partition JSON
-- KEYS[2] globalPartitions: the global partition index
-- KEYS[3] accounts: the accounts index
-- KEYS[4] accountPartitions: the account's partition index (placeholder when none)
-- KEYS[5] ready: the partition's ready set
-- KEYS[6] leased: the partition's lease index (its leased items)
-- ARGV[1] partitionId
-- ARGV[2] leaseId: the scanner's partition lease ('' = unfenced)
-- ARGV[3] at: ms
-- ARGV[4] force: 0/1
-- ARGV[5] now: ms
-- ARGV[6] accountId: '' for none
-- ARGV[7] wakeChannel: '' for none
-- returns 0 OK
-- returns -1 NOT_FOUND: no such partition
-- returns -8 LEASE_MISMATCH: the partition is held under another lease
-- returns -11 GARBAGE_COLLECTED: the partition was empty and has been removed
-- @include decode_partition
-- @include hand_back_partition
local OK, NOT_FOUND, LEASE_MISMATCH, GARBAGE_COLLECTED = 0, -1, -8, -11
local partitionsKey, globalKey, accountsKey, accountPartitionsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local readyKey, leasedKey = KEYS[5], KEYS[6]
local pid, leaseId, at, force = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local now, accountId, wakeChannel = tonumber(ARGV[5]), ARGV[6], ARGV[7]

local raw = redis.call('HGET', partitionsKey, pid)
if raw == false then return NOT_FOUND end
local p = decode_partition(raw, pid)
if leaseId ~= '' and p.leaseId ~= leaseId then return LEASE_MISMATCH end
-- Capacity freed while the partition was leased outweighs the holder's force.
if p.freed then force = false end
local k = {
  partitions = partitionsKey, global = globalKey, accounts = accountsKey,
  accountPartitions = accountPartitionsKey, ready = readyKey, leased = leasedKey,
}
local target = hand_back_partition(k, p, pid, accountId, now, at, force)
if target == nil then return GARBAGE_COLLECTED end
-- Due now: items arrived during the pass (their enqueue could not move a leased partition's
-- pointer) or the pass took only part; wake idle processors, or they would sleep on it.
if target <= now and wakeChannel ~= '' then
  redis.call('PUBLISH', wakeChannel, string.format('%d|left', target))
end
return OK
