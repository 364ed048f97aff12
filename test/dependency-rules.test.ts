import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** A scratch tree under the repository's real rules (.dependency-cruiser.cjs). */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'durq-deps-'));
  copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  // Packages resolve as in the repository (the ioredis rule needs the real package).
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** How `depcruise` (as npm run deps runs it) exits on the tree, and the rules it names. */
function broken(dir: string): { status: number | null; rules: string[] } {
  const r = spawnSync(
    process.execPath,
    [cli, '--config', '.dependency-cruiser.cjs', 'src', 'sim', 'testkit'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  const rules = [...r.stdout.matchAll(/^\s*error ([\w-]+):/gm)].map((m) => m[1] as string);
  return { status: r.status, rules: [...new Set(rules)] };
}

const clean = {
  'src/core/clock.ts': 'export const now = () => 0;\n',
  'src/queue/queue.ts': "import { now } from '../core/clock.js';\nexport const q = now;\n",
  'src/index.ts': "export { q } from './queue/queue.js';\n",
  'sim/main.ts': "import { q } from '../src/index.js';\nexport const m = q;\n",
  'testkit/server.ts': "import { q } from '../src/internal.js';\nexport const s = q;\n",
  'src/internal.ts': "export * from './index.js';\n",
};

describe('dependency rules (npm run deps, part of lint)', () => {
  it('pass a tree that keeps them', () => {
    expect(broken(tree(clean))).toEqual({ status: 0, rules: [] });
  });

  it('fail a planted layer violation: core importing the queue', () => {
    const dir = tree({
      ...clean,
      'src/core/clock.ts':
        "import { q } from '../queue/queue.js';\nexport const now = () => 0;\nexport const x = q;\n",
    });
    const r = broken(dir);
    expect(r.status).not.toBe(0);
    expect(r.rules).toContain('layer-core');
  });

  it('fail a planted circle outside src/ (two simulator files)', () => {
    const dir = tree({
      ...clean,
      'sim/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'sim/b.ts':
        "import type { a } from './a.js';\nexport const b = 1;\nexport type A = typeof a;\n",
    });
    const r = broken(dir);
    expect(r.status).not.toBe(0);
    expect(r.rules).toEqual(['no-circular']);
  });

  it('fail a deep import from the harness and a product import of the harness', () => {
    const dir = tree({
      ...clean,
      'sim/deep.ts': "import { q } from '../src/queue/queue.js';\nexport const d = q;\n",
      'src/queue/uses-sim.ts': "import { m } from '../../sim/main.js';\nexport const u = m;\n",
    });
    const r = broken(dir);
    expect(r.status).not.toBe(0);
    expect(r.rules.sort()).toEqual(['harness-through-entries', 'product-not-harness']);
  });

  it('fail a layer importing an entry, testkit importing its users, ioredis above the redis layer, an unresolvable import', () => {
    const dir = tree({
      ...clean,
      'src/queue/uses-entry.ts': "import { q } from '../index.js';\nexport const e = q;\n",
      'testkit/helper.ts': "import { m } from '../sim/main.js';\nexport const h = m;\n",
      'src/queue/uses-ioredis.ts': "import { Redis } from 'ioredis';\nexport const r = Redis;\n",
      'src/core/missing.ts': "import { x } from './nowhere.js';\nexport const y = x;\n",
    });
    const r = broken(dir);
    expect(r.status).not.toBe(0);
    expect(r.rules).toEqual(
      expect.arrayContaining([
        'layers-not-entries',
        'testkit-stands-alone',
        'ioredis-only-in-redis-layer',
        'resolvable',
      ]),
    );
  });
});
