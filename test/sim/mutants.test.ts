import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { luaLayers, readLuaScripts } from '../../src/internal.js';
import { MUTANTS } from '../../sim/mutant-list.js';

const root = join(import.meta.dirname, '..', '..');

/** Every flattened script source of every layer (lua/queue, lua/state) under a Lua root. */
function flattened(luaRoot: string): string[] {
  return luaLayers(luaRoot).flatMap((layer) => readLuaScripts(luaRoot, layer).map((s) => s.source));
}

/** Every flattened script source in a copy of lua/ with one file patched. */
function flattenedWith(file: string, find: string, replace: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'durq-mutant-lua-'));
  cpSync(join(root, 'lua'), join(dir, 'lua'), { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(find, replace));
  return flattened(join(dir, 'lua'));
}

describe('npm run mutants', () => {
  it.each(MUTANTS.map((m) => [m.name, m] as const))(
    'mutant "%s" still applies to the tree (its text is there, once)',
    (_, m) => {
      const text = readFileSync(join(root, m.file), 'utf8');
      expect(text.split(m.find).length - 1).toBe(1);
      expect(m.replace).not.toBe(m.find);
      expect(Object.keys(m.caughtBy).length).toBeGreaterThan(0);
    },
  );

  it('every Lua mutant changes a script that runs (not only a file nobody includes)', () => {
    const unmutated = flattened(join(root, 'lua'));
    for (const m of MUTANTS.filter((x) => x.file.endsWith('.lua'))) {
      const mutated = flattenedWith(m.file, m.find, m.replace);
      expect(mutated, m.name).not.toEqual(unmutated);
    }
  });

  it('names are unique and every listed property suite exists', () => {
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) {
      const suite = m.caughtBy.properties;
      if (suite) expect(() => readFileSync(join(root, 'properties', suite)), suite).not.toThrow();
    }
  });
});
