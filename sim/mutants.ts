/**
 * npm run mutants: applies each planted bug of sim/mutant-list.ts to a temporary copy of the
 * tree and runs the detectors against it: the simulator, seed by seed until it reports a
 * violation, and the property suites at their fixed CI seed. Exit 0 only if every mutant is
 * caught by every detector its entry lists; a listed detector that misses fails the run loudly.
 * Usage: npm run mutants [-- --seeds N] [--only TEXT]
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
import { MUTANTS, MUTANT_SCENARIO, type Mutant } from './mutant-list.js';

export { MUTANTS, MUTANT_SCENARIO };

const root = join(dirname(new URL(import.meta.url).pathname), '..');

function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durq-mutant-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && f !== 'node_modules' && !f.startsWith('node_modules/'));
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

/** Patches the copy; Lua patches are flattened again, since what runs is the generated module. */
export function apply(dir: string, m: Mutant): void {
  const path = join(dir, m.file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(m.find))
    throw new Error(
      `mutant "${m.name}" no longer applies: ${m.file} has no ${JSON.stringify(m.find)}`,
    );
  writeFileSync(path, text.replace(m.find, m.replace));
  if (m.file.endsWith('.lua'))
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
    { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const out = JSON.parse(last) as { violations: { invariant: string; message: string }[] };
    const v = out.violations[0];
    return { seed, invariant: v ? v.invariant : null, message: v ? v.message : '' };
  } catch {
    const message = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    return { seed, invariant: 'crash', message };
  }
}

/** Runs seeds 1..maxSeeds until one reports a violation. */
function hunt(dir: string, maxSeeds: number): SeedRun {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = runSeed(dir, seed);
    if (r.invariant) return r;
  }
  return { seed: 0, invariant: null, message: '' };
}

/** Runs the property suites (their fixed CI seed) in the tree; returns the failing suite files. */
function runProperties(dir: string): { failed: Map<string, string>; crash: string | null } {
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
  const failed = new Map<string, string>();
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      numTotalTests: number;
      testResults: { name: string; assertionResults: { status: string; title: string }[] }[];
    };
    if (r.numTotalTests === 0) return { failed, crash: 'no property ran' };
    for (const file of r.testResults) {
      const test = file.assertionResults.find((a) => a.status === 'failed');
      if (test) failed.set(file.name.split('/').pop() as string, test.title);
    }
    return { failed, crash: null };
  } catch {
    return { failed, crash: 'the property run wrote no result' };
  }
}

function checkBaseline(maxSeeds: number): boolean {
  const baseline = copyTree();
  try {
    const r = hunt(baseline, maxSeeds);
    if (r.invariant) {
      console.log(`baseline seed ${r.seed} already fails (${r.invariant}: ${r.message})`);
      return false;
    }
    const props = runProperties(baseline);
    if (props.crash || props.failed.size > 0) {
      console.log(`baseline properties already fail (${props.crash ?? [...props.failed.keys()]})`);
      return false;
    }
    console.log(`baseline: seeds 1..${maxSeeds} and the properties pass unmutated`);
    return true;
  } finally {
    rmSync(baseline, { recursive: true, force: true });
  }
}

/** Runs both detectors on one mutant; returns the listed detectors it escaped. */
function judge(m: Mutant, maxSeeds: number): string[] {
  const dir = copyTree();
  try {
    apply(dir, m);
    const sim = hunt(dir, maxSeeds);
    const props = runProperties(dir);
    const missed: string[] = [];
    const want = m.caughtBy;
    if (want.simulator && !sim.invariant) missed.push('simulator');
    if (want.properties && !props.failed.has(want.properties)) missed.push(want.properties);
    const simText = sim.invariant
      ? `caught at seed ${sim.seed} (${sim.invariant}: ${sim.message.slice(0, 100)})` +
        (want.simulator && sim.invariant !== want.simulator ? ` [listed: ${want.simulator}]` : '')
      : `not caught in seeds 1..${maxSeeds}`;
    const propText = props.crash
      ? `crash (${props.crash})`
      : props.failed.size
        ? `caught by ${[...props.failed].map(([f, t]) => `${f} (${t})`).join(', ')}`
        : 'not caught';
    const flag = (d: boolean) => (d ? '' : '  [not listed]');
    console.log(`${m.name}\n  simulator:  ${simText}${flag(!!want.simulator || !sim.invariant)}`);
    console.log(`  properties: ${propText}${flag(!!want.properties || props.failed.size === 0)}`);
    if (missed.length) console.log(`  MISSED by listed detector(s): ${missed.join(', ')}`);
    return missed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
  if (chosen.length === 0)
    throw new Error(`no mutant's name contains ${JSON.stringify(values.only)}`);
  console.log(
    `mutants: ${chosen.length}; simulator: seeds 1..${maxSeeds} of ${MUTANT_SCENARIO.join(' ')}; properties: their CI seed`,
  );
  if (!checkBaseline(maxSeeds)) return 1;
  const escaped = chosen.filter((m) => judge(m, maxSeeds).length > 0);
  const listed = chosen.reduce((n, m) => n + Object.keys(m.caughtBy).length, 0);
  console.log(
    escaped.length === 0
      ? `all ${chosen.length} mutants caught by every detector listed for them (${listed} listings)`
      : `FAILED: ${escaped.length} of ${chosen.length} mutants escaped a listed detector: ${escaped.map((m) => m.name).join('; ')}`,
  );
  return escaped.length === 0 ? 0 : 1;
}

if (process.argv[1] && process.argv[1].endsWith('mutants.ts')) process.exit(main());
