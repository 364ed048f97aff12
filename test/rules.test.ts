import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, ext));
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

/** Lines matching `pattern`, as "file:line: text", code only (comments stripped). */
function offenders(files: string[], pattern: RegExp, comment: RegExp): string[] {
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(comment, '');
        if (pattern.test(code)) hits.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe('determinism rules', () => {
  it('no Lua script reads the server clock or anything random', () => {
    const pattern = /\b(TIME|RANDOMKEY|SRANDMEMBER|SPOP|ZRANDMEMBER|HRANDFIELD)\b|math\.random/;
    expect(offenders(filesUnder(join(root, 'lua'), '.lua'), pattern, /--.*$/)).toEqual([]);
  });

  it('src/ reaches time, randomness and timers only through the clock and random modules', () => {
    const files = filesUnder(join(root, 'src'), '.ts').filter(
      (f) => !/src\/core\/(clock|random)\.ts$/.test(f),
    );
    const pattern =
      /Date\.now\(|new Date\(|Math\.random\(|(^|[^.\w])set(Timeout|Interval|Immediate)\(/;
    expect(offenders(files, pattern, /\/\/.*$/)).toEqual([]);
  });

  it('src/ throws only DurqErrors: no plain Error, TypeError or RangeError', () => {
    const files = filesUnder(join(root, 'src'), '.ts');
    const pattern = /\bthrow new (Error|TypeError|RangeError|SyntaxError)\(/;
    expect(offenders(files, pattern, /\/\/.*$/)).toEqual([]);
  });

  it('the rule checks can fail: they flag a planted call and skip a commented one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'durq-rules-'));
    const planted = join(dir, 'planted.ts');
    writeFileSync(planted, 'const t = Date.now();\n// Date.now() in a comment is fine\n');
    expect(offenders([planted], /Date\.now\(/, /\/\/.*$/)).toEqual([
      `${relative(root, planted)}:1: const t = Date.now();`,
    ]);
  });
});
