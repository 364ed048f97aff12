/**
 * clinic flame, installed on demand. It is not a devDependency: it pulls ~700 packages (150 MB)
 * that `npm ci` should not need. It goes into a private prefix under node_modules/.cache rather
 * than the project's node_modules, because `npm install --no-save X` removes every other package
 * installed with --no-save (BullMQ for `npm run bench`, and the reverse), and reifies whatever
 * package.json says at that moment.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const CLINIC_VERSION = '13.0.0';

/** clinic's bin.js, from the project's node_modules or the private prefix; null if absent. */
function findClinic(root: string, prefix: string): string | null {
  for (const from of [join(root, 'package.json'), join(prefix, 'package.json')]) {
    try {
      return createRequire(from).resolve('clinic/bin.js');
    } catch {
      // not there: try the next place
    }
  }
  return null;
}

export function ensureClinic(root: string, log: (s: string) => void): string {
  const prefix = join(root, 'node_modules', '.cache', 'durq-clinic');
  const found = findClinic(root, prefix);
  if (found) return found;
  log(`installing clinic@${CLINIC_VERSION} into ${prefix} (once; ~700 packages)`);
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(join(prefix, 'package.json')))
    writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
  const t0 = performance.now();
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error'];
  const r = spawnSync('npm', [...args, `clinic@${CLINIC_VERSION}`], {
    cwd: prefix,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`npm install clinic@${CLINIC_VERSION} failed: ${(r.stderr ?? '').trim()}`);
  log(`installed clinic in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const bin = findClinic(root, prefix);
  if (!bin) throw new Error(`clinic is not resolvable from ${prefix} after installing it`);
  return bin;
}

/** Paths of one clinic flame run's output. */
export interface FlameRun {
  html: string;
  samples: string;
}

/**
 * Runs `clinic flame -- node <nodeArgs>` in `dest` (0x leaves its working files in the current
 * directory), the HTML written there, after removing earlier runs' output. NO_INSIGHT is
 * required: without it clinic asks for consent to send usage statistics, and when stdin is not a
 * terminal it exits 0 at that question having run nothing.
 */
export function runFlame(
  bin: string,
  dest: string,
  nodeArgs: string[],
  echo: (s: string) => void,
): FlameRun {
  for (const f of readdirSync(dest))
    if (/^\d+\.clinic-flame(\.html)?$/.test(f)) rmSync(join(dest, f), { recursive: true });
  const args = [bin, 'flame', '--open=false', '--dest', dest, '--', process.execPath, ...nodeArgs];
  const r = spawnSync(process.execPath, args, {
    cwd: dest,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_INSIGHT: '1', NO_UPDATE_NOTIFIER: '1' },
    maxBuffer: 64 * 2 ** 20,
  });
  for (const line of (r.stdout ?? '').split('\n'))
    if (line && !/press: Ctrl \+ C/.test(line)) echo(line);
  const html = /Generated HTML file is file:\/\/(\S+)/.exec(r.stdout ?? '')?.[1];
  // clinic still writes a (nearly empty) flame graph when the profiled process fails.
  const failed = /Target subprocess error/.test(r.stderr ?? '');
  if (r.status !== 0 || !html || failed) {
    const why = r.error?.message ?? (r.stderr ?? '').trim().split('\n').slice(-8).join('\n');
    throw new Error(`clinic exited ${r.status ?? r.signal}: ${why || 'no HTML file reported'}`);
  }
  const dir = html.replace(/\.html$/, '');
  const name = readdirSync(dir).find((f) => f.endsWith('-samples'));
  if (!name) throw new Error(`no -samples file in ${dir}`);
  return { html, samples: join(dir, name) };
}
