/**
 * npm run bench:profile: where the client (Node) CPU goes in a durq drain.
 * bench/profile/drain-target.ts is bundled (bundle.ts says why) and run twice:
 * 1. under clinic flame (installed on demand): the flame graph HTML in reports/profile/, and a
 *    text summary of its samples (the whole run: startup, preload and drain);
 * 2. under node --cpu-prof: self time of the drain phase alone, per function and per group
 *    (ioredis, durq src, node internals, GC, idle).
 * If clinic fails, that is said (with its error) and step 2 still runs.
 * Usage: npm run bench:profile -- [--items N] [--concurrency C] [--cpu-prof-only]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, type Resolve } from './bundle.js';
import { ensureClinic, runFlame } from './clinic.js';
import {
  formatSummary,
  summariseClinicSamples,
  summariseCpuProfile,
  type ClinicFrame,
  type CpuProfile,
} from './summary.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '100' },
    'cpu-prof-only': { type: 'boolean', default: false },
  },
});
for (const k of ['items', 'concurrency'] as const)
  if (!/^[1-9]\d*$/.test(values[k])) throw new Error(`--${k} takes a positive integer`);
const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'reports', 'profile');
const script = join(out, 'build', 'drain-target.mjs');
const targetArgs = ['--items', values.items, '--concurrency', values.concurrency];
const log = (s: string) => process.stdout.write(s + '\n');
const rel = (p: string) => relative(root, p);

function clinicStep(resolve: Resolve): void {
  let stage = 'install';
  try {
    const bin = ensureClinic(root, log);
    stage = 'run';
    log(`clinic flame -- node ${[rel(script), ...targetArgs].join(' ')}`);
    const run = runFlame(bin, out, [script, ...targetArgs], (s) => log(`  ${s}`));
    stage = 'summarise';
    const stacks = JSON.parse(readFileSync(run.samples, 'utf8')) as ClinicFrame[][];
    log(`flame graph: ${rel(run.html)}`);
    formatSummary('clinic flame, whole run', summariseClinicSamples(stacks, resolve)).forEach(log);
  } catch (e) {
    log(`clinic flame failed (${stage}): ${e instanceof Error ? e.message : String(e)}`);
    log('going on with the node --cpu-prof summary alone');
  }
}

function cpuProfStep(resolve: Resolve): void {
  const dir = join(out, 'cpuprofile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const windowFile = join(dir, 'drain-window.json');
  log(`node --cpu-prof ${[rel(script), ...targetArgs].join(' ')}`);
  const r = spawnSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, script, ...targetArgs, '--window', windowFile],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`the --cpu-prof run exited ${r.status ?? r.signal}`);
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
  const window = JSON.parse(readFileSync(windowFile, 'utf8')) as { startUs: number; endUs: number };
  log(`cpu profile: ${rel(join(dir, name))} (opens in Chrome DevTools or speedscope)`);
  const summary = summariseCpuProfile(profile, window, resolve);
  formatSummary('node --cpu-prof, drain phase only', summary).forEach(log);
}

mkdirSync(out, { recursive: true });
const resolve = await bundle(root, 'bench/profile/drain-target.ts', script);
if (!values['cpu-prof-only']) clinicStep(resolve);
cpuProfStep(resolve);
