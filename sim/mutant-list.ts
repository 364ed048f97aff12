/**
 * The planted bugs of `npm run mutants`: each is a text patch applied to a temporary copy of the
 * tree (the product carries no planted-bug switches), with the detectors that must catch it.
 * `simulator` names the invariant the simulator reports for it (within the seeds searched);
 * `properties` names the property suite file that must fail. A listed detector that misses its
 * mutant fails the run; an unlisted one that catches it is reported as a bonus.
 */
export interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
  caughtBy: { simulator?: string; properties?: string };
}

const FN_LIMIT_LINE =
  'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return FUNCTION_LIMIT, 0 end';

export const MUTANTS: Mutant[] = [
  {
    name: 'lease ignores the function limit',
    file: 'lua/includes/try_lease_item.lua',
    find: FN_LIMIT_LINE,
    replace: '',
    caughtBy: { simulator: 'concurrency', properties: 'races.test.ts' },
  },
  {
    name: 'a lease admits one more than the account limit',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) <= 0 then',
    replace:
      'if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) < 0 then',
    caughtBy: { simulator: 'concurrency', properties: 'races.test.ts' },
  },
  {
    // One fencing rule serves dequeue and dequeueBatch (the processor acks through the batch).
    name: 'a dequeue ignores the lease ID',
    file: 'lua/includes/dequeue_status.lua',
    find: 'return fence_status(current, leaseId, now), true',
    replace: 'return fence_status(current, current, now), true',
    caughtBy: { simulator: 'fencing', properties: 'model.test.ts' },
  },
  {
    name: 'extend accepts an expired lease',
    file: 'lua/queue/extendLease-8.lua',
    find: 'local fenced = check_lease(leasesKey, itemId, currentId, now)',
    replace: 'local fenced = check_lease(leasesKey, itemId, currentId, 0)',
    caughtBy: { simulator: 'fencing', properties: 'model.test.ts' },
  },
  {
    name: 'the scavenger skips expired leases',
    file: 'lua/queue/scavengePartition-11.lua',
    find: "'BYSCORE', 'LIMIT', 0, limit)",
    replace: "'BYSCORE', 'LIMIT', 0, 0)",
    caughtBy: { simulator: 'liveness', properties: 'model.test.ts' },
  },
  {
    name: 'requeue forgets the partition pointer',
    file: 'lua/queue/requeue-13.lua',
    find: 'pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,\n  at, now, graceMs, false, wakeChannel)',
    replace: '',
    caughtBy: { simulator: 'pointers', properties: 'retries.test.ts' },
  },
  {
    name: 'the throttle ignores its burst cap (admits one more)',
    file: 'lua/includes/gcra_check.lua',
    find: 'if nextD > maxD then',
    replace: 'if nextD > maxD + periodMs then',
    caughtBy: { simulator: 'throttle', properties: 'throttle.test.ts' },
  },
  {
    name: 'partition peek drops a due partition',
    file: 'lua/queue/partitionPeek-2.lua',
    find: 'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)',
    replace:
      'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)\ntable.remove(ids)\ntable.remove(scores)',
    caughtBy: { simulator: 'liveness', properties: 'ordering.test.ts' },
  },
  {
    name: 'a capacity refusal consumes an attempt',
    file: 'lua/includes/try_lease_item.lua',
    find: FN_LIMIT_LINE,
    replace: [
      'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then',
      "    local refused = cjson.decode(redis.call('HGET', k.items, it.id))",
      '    refused.atts = refused.atts + 1',
      "    redis.call('HSET', k.items, it.id, cjson.encode(refused))",
      '    return FUNCTION_LIMIT, 0',
      '  end',
    ].join('\n'),
    caughtBy: { simulator: 'retries', properties: 'model.test.ts' },
  },
  {
    name: 'a FIFO batch goes on past a function limit',
    file: 'lua/queue/leaseBatch-n.lua',
    find: 'if fifo and (status == FUNCTION_LIMIT or status == ACCOUNT_LIMIT) then stopped = true end',
    replace: '',
    caughtBy: { simulator: 'order', properties: 'ordering.test.ts' },
  },
  {
    name: 'a forced requeue hides its partition for an hour',
    file: 'lua/includes/hand_back_partition.lua',
    find: 'if force then\n    p.forcedUntil = at',
    replace: 'if force then\n    at = at + 3600000\n    target = at\n    p.forcedUntil = at',
    caughtBy: { simulator: 'pointers', properties: 'model.test.ts' },
  },
  {
    name: 'enqueue ignores an unexpired tombstone',
    file: 'lua/includes/enqueue_item.lua',
    find: "if tonumber(string.match(tombstone, '^[^|]*')) > now then return ITEM_TOMBSTONED end",
    replace: 'if false then return ITEM_TOMBSTONED end',
    caughtBy: { simulator: 'idempotency', properties: 'model.test.ts' },
  },
  {
    // Its window is the 200 ms skew bound: the simulator does not reliably hit it in 5 seeds.
    name: 'a lease ignores the clock-skew grace',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if current ~= false and lease_is_live(current, now, graceMs) then return ALREADY_LEASED, 0 end',
    replace:
      'if current ~= false and lease_is_live(current, now, 0) then return ALREADY_LEASED, 0 end',
    caughtBy: { properties: 'model.test.ts' },
  },
  {
    // The simulator has no scoring check.
    name: 'edge items ignore their priority factor',
    file: 'src/queue/item.ts',
    find: "  'start',\n  'edge',\n  'edge-error',\n]);",
    replace: "  'start',\n  'edge-error',\n]);",
    caughtBy: { properties: 'ordering.test.ts' },
  },
];

/** The scenario each mutant runs: smaller than the default so that several seeds stay quick. */
export const MUTANT_SCENARIO = [
  '--items',
  '600',
  '--runs',
  '60',
  '--duration',
  '40000',
  '--processes',
  '6',
];
