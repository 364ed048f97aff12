/**
 * npm run mutants: applies each deliberate bug to a temporary copy of the tree (the product has
 * no planted-bug switches) and reports which detectors catch it: the simulator, run seed by seed
 * until it reports a violation, and the property suites at their fixed CI seed. Exit 0 only if
 * the properties catch every mutant and the simulator every one of its list (the first eight).
 * Usage: npm run mutants [-- --seeds N] [--only NAME]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
}

export const MUTANTS: Mutant[] = [
  {
    name: 'lease ignores the function limit',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return FUNCTION_LIMIT, 0 end',
    replace: '',
  },
  {
    // The processor acks through dequeueBatch (single dequeue has its own mutant below).
    name: 'an ack ignores the lease ID',
    file: 'lua/queue/dequeueBatch-n.lua',
    find: 'elseif lease ~= leaseId then code = LEASE_MISMATCH',
    replace: 'elseif false then code = LEASE_MISMATCH',
  },
  {
    name: 'extend accepts an expired lease',
    file: 'lua/queue/extendLease-8.lua',
    find: 'local fenced = check_lease(leasesKey, itemId, currentId, now)',
    replace: 'local fenced = check_lease(leasesKey, itemId, currentId, 0)',
  },
  {
    name: 'the scavenger skips expired leases',
    file: 'lua/queue/scavengePartition-11.lua',
    find: "'BYSCORE', 'LIMIT', 0, limit)",
    replace: "'BYSCORE', 'LIMIT', 0, 0)",
  },
  {
    name: 'requeue forgets the partition pointer',
    file: 'lua/queue/requeue-13.lua',
    find: 'pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,\n  at, now, false, wakeChannel)',
    replace: '',
  },
  {
    name: 'the throttle ignores its burst cap (admits one more)',
    file: 'lua/includes/gcra_check.lua',
    find: 'if nextD > maxD then',
    replace: 'if nextD > maxD + periodMs then',
  },
  {
    name: 'partition peek drops a due partition',
    file: 'lua/queue/partitionPeek-2.lua',
    find: 'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)',
    replace:
      'local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)\ntable.remove(ids)\ntable.remove(scores)',
  },
  {
    name: 'a capacity refusal consumes an attempt',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return FUNCTION_LIMIT, 0 end',
    replace: [
      'if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then',
      "    local refused = cjson.decode(redis.call('HGET', k.items, it.id))",
      '    refused.atts = refused.atts + 1',
      "    redis.call('HSET', k.items, it.id, cjson.encode(refused))",
      '    return FUNCTION_LIMIT, 0',
      '  end',
    ].join('\n'),
  },
  {
    name: 'a FIFO batch goes on past a function limit',
    file: 'lua/queue/leaseBatch-n.lua',
    find: 'if fifo and (status == FUNCTION_LIMIT or status == ACCOUNT_LIMIT) then stopped = true end',
    replace: '',
  },
  {
    name: 'a lease ignores the clock-skew grace',
    file: 'lua/includes/try_lease_item.lua',
    find: 'if current ~= false and decode_ulid_time(current) + graceMs > now then return ALREADY_LEASED, 0 end',
    replace:
      'if current ~= false and decode_ulid_time(current) > now then return ALREADY_LEASED, 0 end',
  },
  {
    name: 'a forced requeue hides its partition for an hour',
    file: 'lua/includes/hand_back_partition.lua',
    find: 'if force then\n    p.forceAt = at',
    replace: 'if force then\n    at = at + 3600000\n    target = at\n    p.forceAt = at',
  },
  {
    name: 'edge items ignore their priority factor',
    file: 'src/queue/item.ts',
    find: "  'start',\n  'edge',\n  'edge-error',\n]);",
    replace: "  'start',\n  'edge-error',\n]);",
  },
  {
    name: 'dequeue ignores the lease ID',
    file: 'lua/includes/dequeue_item.lua',
    find: 'if fenced ~= OK then return fenced end',
    replace: '',
  },
];

/** The scenario each mutant runs: smaller than the default so that several seeds stay quick. */
export const MUTANT_SCENARIO = ['--items', '600', '--duration', '40000', '--processes', '6'];

const root = join(dirname(new URL(import.meta.url).pathname), '..');

function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durq-mutant-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && !f.startsWith('node_modules/'));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(root, f), join(dir, f));
    } catch {
      // deleted in the working tree but still listed: skip
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function apply(dir: string, m: Mutant): void {
  const path = join(dir, m.file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(m.find))
    throw new Error(
      `mutant "${m.name}" no longer applies: ${m.file} has no ${JSON.stringify(m.find)}`,
    );
  writeFileSync(path, text.replace(m.find, m.replace));
  // What runs is the flattened module, not lua/: regenerate it from the mutated file.
  execFileSync(process.execPath, ['--import', 'tsx', 'tools/lua.ts'], {
    cwd: dir,
    stdio: 'ignore',
  });
}

interface SeedRun {
  seed: number;
  invariant: string | null;
  message: string;
}

function runSeed(dir: string, seed: number): SeedRun {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'sim/main.ts', '--seed', String(seed), '--json', ...MUTANT_SCENARIO],
    {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const out = JSON.parse(last) as { violations: { invariant: string; message: string }[] };
    const v = out.violations[0];
    return { seed, invariant: v ? v.invariant : null, message: v ? v.message : '' };
  } catch {
    return {
      seed,
      invariant: 'crash',
      message: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | '),
    };
  }
}

/** Runs seeds 1..maxSeeds until one reports a violation. */
export function hunt(dir: string, maxSeeds: number): SeedRun & { tried: number } {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = runSeed(dir, seed);
    if (r.invariant) return { ...r, tried: seed };
  }
  return { seed: 0, invariant: null, message: '', tried: maxSeeds };
}

/** The simulator's own list: the first eight mutants; the rest cover what only properties check. */
const SIMULATOR_LIST = 8;

/** Runs the property suites (their fixed CI seed) in the tree; returns the first failing test. */
export function runProperties(dir: string): string | null {
  const out = join(dir, 'properties-result.json');
  const vitest = join(dir, 'node_modules/vitest/vitest.mjs');
  spawnSync(
    process.execPath,
    [vitest, 'run', 'properties', '--reporter=json', `--outputFile=${out}`],
    {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      numTotalTests: number;
      testResults: { name: string; assertionResults: { status: string; title: string }[] }[];
    };
    if (r.numTotalTests === 0) return 'crash: no property ran';
    for (const file of r.testResults) {
      const failed = file.assertionResults.find((a) => a.status === 'failed');
      if (failed) return `${file.name.split('/').pop()}: ${failed.title}`;
    }
    return null;
  } catch {
    return 'crash: the property run wrote no result';
  }
}

function checkBaseline(maxSeeds: number): boolean {
  const baseline = copyTree();
  try {
    for (let seed = 1; seed <= maxSeeds; seed++) {
      const r = runSeed(baseline, seed);
      if (r.invariant) {
        console.log(
          `baseline seed ${seed} already fails (${r.invariant}: ${r.message}); mutants would prove nothing`,
        );
        return false;
      }
    }
    const props = runProperties(baseline);
    if (props) {
      console.log(`baseline properties already fail (${props}); mutants would prove nothing`);
      return false;
    }
    console.log(`baseline: seeds 1..${maxSeeds} and the properties pass unmutated`);
    return true;
  } finally {
    rmSync(baseline, { recursive: true, force: true });
  }
}

function main(): number {
  const { values } = parseArgs({
    options: { seeds: { type: 'string', default: '5' }, only: { type: 'string' } },
  });
  const maxSeeds = Number(values.seeds);
  if (!Number.isSafeInteger(maxSeeds) || maxSeeds < 1)
    throw new Error(`--seeds takes a positive integer, got ${values.seeds}`);
  const chosen = MUTANTS.filter((m) => !values.only || m.name.includes(values.only));
  console.log(
    `mutants: ${chosen.length}; simulator: seeds 1..${maxSeeds} of ${MUTANT_SCENARIO.join(' ')}; properties: their CI seed`,
  );
  if (!checkBaseline(maxSeeds)) return 1;
  let propertiesMissed = 0;
  let simulatorMissed = 0;
  for (const m of chosen) {
    const dir = copyTree();
    try {
      apply(dir, m);
      const r = hunt(dir, maxSeeds);
      const props = runProperties(dir);
      if (!props) propertiesMissed++;
      if (!r.invariant && MUTANTS.indexOf(m) < SIMULATOR_LIST) simulatorMissed++;
      const sim = r.invariant
        ? `caught, seed ${r.seed} (${r.invariant}: ${r.message.slice(0, 100)})`
        : `not caught in seeds 1..${maxSeeds}`;
      console.log(
        `${m.name}\n  simulator:  ${sim}\n  properties: ${props ? `caught (${props})` : 'NOT CAUGHT'}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `properties caught ${chosen.length - propertiesMissed} of ${chosen.length}; the simulator missed ${simulatorMissed} of its list`,
  );
  return propertiesMissed === 0 && simulatorMissed === 0 ? 0 : 1;
}

if (process.argv[1] && process.argv[1].endsWith('mutants.ts')) process.exit(main());
