import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLuaHeader } from '../../../src/redis/lua-header.js';
import { defaultLuaRoot } from '../../../src/redis/script-loader.js';
import { LUA_SCRIPTS } from '../../../src/queue/lua.generated.js';
import { QUEUE_SCRIPTS } from '../../../src/queue/shard/scripts.js';
import { LUA_SCRIPTS as STATE_LUA_SCRIPTS } from '../../../src/state/lua.generated.js';
import { STATE_SCRIPTS } from '../../../src/state/scripts.js';
import { Status } from '../../../src/queue/status.js';

const luaRoot = defaultLuaRoot();
const specs = [...Object.values(QUEUE_SCRIPTS), ...Object.values(STATE_SCRIPTS)];
const read = (file: string) => readFileSync(join(luaRoot, file), 'utf8');

/** `local OK, NOT_FOUND = 0, -1` lines (top level or indented), as name -> value pairs. */
export function statusDeclarations(source: string): [string, number][] {
  const out: [string, number][] = [];
  for (const line of source.split('\n')) {
    const m = /^\s*local\s+([A-Z][A-Z0-9_]*(?:\s*,\s*[A-Z][A-Z0-9_]*)*)\s*=\s*(.+)$/.exec(line);
    if (!m) continue;
    const names = (m[1] as string).split(',').map((n) => n.trim());
    const values = (m[2] as string).split(',').map((v) => Number(v.trim()));
    names.forEach((n, i) => out.push([n, values[i] as number]));
  }
  return out;
}

/**
 * Code lines that compare or return a bare status number instead of a name: a comparison with a
 * negative literal, a literal returned, or a literal assigned to or compared with a status.
 */
export function bareStatusNumbers(source: string): string[] {
  const hits: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/--.*$/, '');
    if (/^\s*local\s+[A-Z][A-Z0-9_]*(\s*,\s*[A-Z][A-Z0-9_]*)*\s*=/.test(code)) return;
    const negative = /(==|~=|<|>)\s*-\d/.test(code);
    const returned = /\breturn\s*\{?\s*-?\d/.test(code);
    const assigned = /\b(code|status|fenced)\s*(=|==|~=)\s*-?\d/.test(code);
    if (negative || returned || assigned) hits.push(`${i + 1}: ${line.trim()}`);
  });
  return hits;
}

describe('one spec per Lua script', () => {
  it('every script of lua/queue/ has exactly one spec, under its own name', () => {
    const files = readdirSync(join(luaRoot, 'queue')).map((f) => f.replace(/-(\d+|n)\.lua$/, ''));
    expect(Object.keys(QUEUE_SCRIPTS).sort()).toEqual(files.sort());
    expect(Object.keys(LUA_SCRIPTS).sort()).toEqual(files.sort());
    for (const [name, spec] of Object.entries(QUEUE_SCRIPTS)) expect(spec.name).toBe(name);
  });

  it('every script of lua/state/ has exactly one spec, under its own name', () => {
    const files = readdirSync(join(luaRoot, 'state')).map((f) => f.replace(/-(\d+|n)\.lua$/, ''));
    expect(Object.keys(STATE_SCRIPTS).sort()).toEqual(files.sort());
    expect(Object.keys(STATE_LUA_SCRIPTS).sort()).toEqual(files.sort());
    for (const [name, spec] of Object.entries(STATE_SCRIPTS)) expect(spec.name).toBe(name);
  });

  it.each(specs.map((s) => [s.script.file, s] as const))(
    '%s: header KEYS and ARGV are the spec names, in order',
    (file, spec) => {
      const h = parseLuaHeader(read(file));
      expect(h.problems).toEqual([]);
      expect(h.keys).toEqual([...spec.keys]);
      expect(h.keysPerEntry).toEqual([...spec.keysPerEntry]);
      expect(h.indexedKeysFrom).toBe(spec.indexedKeys ? spec.keys.length + 1 : null);
      expect(h.args).toEqual([...spec.args]);
      expect(h.argsPerEntry).toEqual([...spec.argsPerEntry]);
      if (spec.script.numKeys !== 'variable') expect(spec.keys.length).toBe(spec.script.numKeys);
    },
  );

  it.each(specs.map((s) => [s.script.file, s] as const))(
    '%s: header statuses are the spec statuses, with the codes of the Status table',
    (file, spec) => {
      const h = parseLuaHeader(read(file));
      const want = (names: readonly string[]) =>
        Object.fromEntries(names.map((n) => [n, Status[n as keyof typeof Status]]));
      expect(Object.fromEntries(h.statuses)).toEqual(want(spec.statuses));
      expect(Object.fromEntries(h.entryStatuses)).toEqual(want(spec.entryStatuses));
    },
  );

  it.each(specs.map((s) => [s.script.file, s] as const))(
    '%s: names its status codes once at its top and compares none as a bare number',
    (file, spec) => {
      const source = read(file);
      const declared = statusDeclarations(source).filter(([n]) => n in Status);
      for (const [name, value] of declared)
        expect(value, `${file}: ${name}`).toBe(Status[name as keyof typeof Status]);
      const names = declared.map(([n]) => n);
      expect(new Set(names).size, `${file} declares a status twice`).toBe(names.length);
      const returned = [...spec.statuses, ...spec.entryStatuses].filter((s) => s !== 'OK');
      // What it returns it either names itself or gets from an include that names it.
      const flattened = spec.script.source;
      const everywhere = statusDeclarations(flattened).map(([n]) => n);
      for (const s of returned) expect(everywhere, `${file} never names ${s}`).toContain(s);
      expect(bareStatusNumbers(source)).toEqual([]);
    },
  );

  it('every include that names status codes names them with the Status table values', () => {
    for (const file of readdirSync(join(luaRoot, 'includes'))) {
      const source = read(join('includes', file));
      for (const [name, value] of statusDeclarations(source)) {
        if (name in Status)
          expect(value, `${file}: ${name}`).toBe(Status[name as keyof typeof Status]);
      }
      expect(bareStatusNumbers(source), file).toEqual([]);
    }
  });

  it('the bare-number check can fail: it flags the code comparisons the rule forbids', () => {
    const planted = [
      'if fifo and (code == -3 or code == -6) then stopped = true end',
      'if raw == false then return {-1} end',
      'if fenced ~= 0 then return fenced end',
      'return 2',
      '-- return -1 in a comment is fine',
      "if redis.call('HEXISTS', k, id) == 0 then return NOT_FOUND end",
      'local OK, NOT_FOUND = 0, -1',
    ].join('\n');
    expect(bareStatusNumbers(planted)).toEqual([
      '1: if fifo and (code == -3 or code == -6) then stopped = true end',
      '2: if raw == false then return {-1} end',
      '3: if fenced ~= 0 then return fenced end',
      '4: return 2',
    ]);
  });
});
