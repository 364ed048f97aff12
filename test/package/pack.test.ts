import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { useRedis } from '../../testkit/redis-fixture.js';

/**
 * The package as users get it: `npm pack` (which builds first), installed into a fresh project,
 * then a program imports `durq` by name and processes one item on a private redis-server; and the
 * same program bundled with esbuild into one file, run where no node_modules and no lua/ folder
 * can be found (the scripts travel flattened inside the build).
 */
const root = join(import.meta.dirname, '..', '..');
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });

describe('the packed package', () => {
  const redis = useRedis();
  const work = mkdtempSync(join(tmpdir(), 'durq-pack-'));
  const project = join(work, 'project');

  beforeAll(() => {
    run('npm', ['pack', '--silent', '--pack-destination', work], root);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball to ${work}`);
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-durq', private: true, type: 'module' }),
    );
    copyFileSync(join(import.meta.dirname, 'app.mjs'), join(project, 'app.mjs'));
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)],
      project,
    );
  }, 180_000);

  const expectProcessedOnce = (out: string) => {
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    expect(r).toEqual({
      status: 'enqueued',
      handled: { id: 'packaged-1', payload: { hello: 'world' } },
      left: null,
    });
  };

  it('installs into a fresh project and processes an item there', () => {
    const out = run('node', ['app.mjs'], project, {
      REDIS_URL: redis.server.url,
      SHARD: `pack-${process.pid}-installed`,
    });
    expectProcessedOnce(out);
  }, 60_000);

  it('works bundled by esbuild into one file that runs with no node_modules and no lua/', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'durq-bundle-'));
    const outfile = join(elsewhere, 'app.cjs');
    await build({
      entryPoints: [join(project, 'app.mjs')],
      absWorkingDir: project,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      logLevel: 'silent',
    });
    expect(readdirSync(elsewhere)).toEqual(['app.cjs']);
    const out = run('node', [outfile], elsewhere, {
      REDIS_URL: redis.server.url,
      SHARD: `pack-${process.pid}-bundled`,
    });
    expectProcessedOnce(out);
  }, 60_000);
});
