/**
 * npm run mutants: applies each planted bug of sim/mutant-list.ts to a temporary copy of the
 * tree and runs the detectors against it: the simulator, seed by seed until it reports a
 * violation, and the property suites at their fixed CI seed. Exit 0 only if every mutant is
 * caught by every detector its entry lists; a listed detector that misses fails the run loudly.
 * Usage: npm run mutants [-- --seeds N] [--only TEXT] [--properties-only]
 * --properties-only skips the simulator (its baseline too): only the property suites judge, and a
 * mutant that lists the simulator is not judged by it.
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

function runSeed(dir: string, seed: number, extra: readonly string[]): SeedRun {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'sim/main.ts',
      '--seed',
      String(seed),
      '--json',
      ...MUTANT_SCENARIO,
      ...extra,
    ],
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

/** Runs seeds 1..maxSeeds (of the scenario plus `extra`) until one reports a violation. */
function hunt(dir: string, maxSeeds: number, extra: readonly string[] = []): SeedRun {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = runSeed(dir, seed, extra);
    if (r.invariant) return r;
  }
  return { seed: 0, invariant: null, message: '' };
}

/** Runs the property suites (their fixed CI seed) in the tree; returns the failing suite files. */
function runProperties(dir: string): {
  failed: Map<string, string>;
  /** Each suite file's run time, ms. */
  ms: Map<string, number>;
  crash: string | null;
} {
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
  const ms = new Map<string, number>();
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      numTotalTests: number;
      testResults: {
        name: string;
        startTime: number;
        endTime: number;
        assertionResults: { status: string; title: string }[];
      }[];
    };
    if (r.numTotalTests === 0) return { failed, ms, crash: 'no property ran' };
    for (const file of r.testResults) {
      const name = file.name.split('/').pop() as string;
      ms.set(name, Math.round(file.endTime - file.startTime));
      const test = file.assertionResults.find((a) => a.status === 'failed');
      if (test) failed.set(name, test.title);
    }
    return { failed, ms, crash: null };
  } catch {
    return { failed, ms, crash: 'the property run wrote no result' };
  }
}

function checkBaseline(maxSeeds: number, extras: readonly (readonly string[])[]): boolean {
  const baseline = copyTree();
  try {
    for (const extra of extras) {
      const r = maxSeeds > 0 ? hunt(baseline, maxSeeds, extra) : null;
      if (r?.invariant) {
        const with_ = extra.length ? ` with ${extra.join(' ')}` : '';
        console.log(`baseline seed ${r.seed}${with_} already fails (${r.invariant}: ${r.message})`);
        return false;
      }
    }
    const props = runProperties(baseline);
    if (props.crash || props.failed.size > 0) {
      console.log(`baseline properties already fail (${props.crash ?? [...props.failed.keys()]})`);
      return false;
    }
    console.log(
      maxSeeds > 0
        ? `baseline: seeds 1..${maxSeeds} and the properties pass unmutated`
        : 'baseline: the properties pass unmutated',
    );
    return true;
  } finally {
    rmSync(baseline, { recursive: true, force: true });
  }
}

/** Runs the detectors on one mutant (maxSeeds 0: not the simulator); returns those it escaped. */
function judge(m: Mutant, maxSeeds: number): string[] {
  const dir = copyTree();
  try {
    apply(dir, m);
    const started = Date.now();
    const sim = maxSeeds > 0 ? hunt(dir, maxSeeds, m.scenario ?? []) : null;
    const simMs = Date.now() - started;
    const props = runProperties(dir);
    const propsMs = Date.now() - started - simMs;
    const missed: string[] = [];
    const want = m.caughtBy;
    if (sim === null) {
      console.log(`${m.name}\n  simulator:  skipped (--properties-only)`);
    } else {
      if (want.simulator && !sim.invariant) missed.push('simulator');
      const simText = sim.invariant
        ? `caught at seed ${sim.seed} (${sim.invariant}: ${sim.message.slice(0, 100)})` +
          (want.simulator && sim.invariant !== want.simulator ? ` [listed: ${want.simulator}]` : '')
        : `not caught in seeds 1..${maxSeeds}`;
      const flag = !!want.simulator || !sim.invariant ? '' : '  [not listed]';
      console.log(`${m.name}\n  simulator:  ${simText}${flag} (${simMs} ms)`);
    }
    if (want.properties && !props.failed.has(want.properties)) missed.push(want.properties);
    const propText = props.crash
      ? `crash (${props.crash})`
      : props.failed.size
        ? `caught by ${[...props.failed].map(([f, t]) => `${f} (${t}, ${props.ms.get(f)} ms)`).join(', ')}`
        : 'not caught';
    const flag = !!want.properties || props.failed.size === 0 ? '' : '  [not listed]';
    console.log(`  properties: ${propText}${flag} (every suite: ${propsMs} ms)`);
    if (missed.length) console.log(`  MISSED by listed detector(s): ${missed.join(', ')}`);
    return missed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '5' },
      only: { type: 'string' },
      'properties-only': { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  if (!Number.isSafeInteger(seeds) || seeds < 1)
    throw new Error(`--seeds takes a positive integer, got ${values.seeds}`);
  const maxSeeds = values['properties-only'] ? 0 : seeds;
  const chosen = MUTANTS.filter((m) => !values.only || m.name.includes(values.only));
  if (chosen.length === 0)
    throw new Error(`no mutant's name contains ${JSON.stringify(values.only)}`);
  const simText = maxSeeds > 0 ? `seeds 1..${maxSeeds} of ${MUTANT_SCENARIO.join(' ')}` : 'skipped';
  console.log(`mutants: ${chosen.length}; simulator: ${simText}; properties: their CI seed`);
  // the unmutated tree must pass every scenario a chosen mutant runs (the base, and its extras)
  const extras = [...new Set(chosen.map((m) => JSON.stringify(m.scenario ?? [])))].map(
    (e) => JSON.parse(e) as string[],
  );
  if (!checkBaseline(maxSeeds, extras)) return 1;
  const escaped = chosen.filter((m) => judge(m, maxSeeds).length > 0);
  const judged = (d: string) => maxSeeds > 0 || d !== 'simulator';
  const listed = chosen.reduce((n, m) => n + Object.keys(m.caughtBy).filter(judged).length, 0);
  console.log(
    escaped.length === 0
      ? `all ${chosen.length} mutants caught by every detector listed for them (${listed} listings)`
      : `FAILED: ${escaped.length} of ${chosen.length} mutants escaped a listed detector: ${escaped.map((m) => m.name).join('; ')}`,
  );
  return escaped.length === 0 ? 0 : 1;
}

if (process.argv[1] && process.argv[1].endsWith('mutants.ts')) process.exit(main());
