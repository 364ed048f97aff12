import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../sim/mutants.js';

const root = join(import.meta.dirname, '..', '..');

describe('npm run mutants', () => {
  it.each(MUTANTS.map((m) => [m.name, m] as const))(
    'mutant "%s" still applies to the tree (its text is there, once)',
    (_, m) => {
      const text = readFileSync(join(root, m.file), 'utf8');
      expect(text.split(m.find).length - 1).toBe(1);
      expect(m.replace).not.toBe(m.find);
    },
  );
});
