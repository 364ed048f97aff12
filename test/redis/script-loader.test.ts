import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status } from '../../src/queue/status.js';
import { defaultLuaDir, loadScripts, ScriptLoadError } from '../../src/redis/script-loader.js';
import { SCRIPT_NAMES } from '../../src/redis/transport.js';
import { useRedis } from '../../testkit/redis-fixture.js';

const luaDir = defaultLuaDir();
const scripts = loadScripts(luaDir);

describe('script loader', () => {
  it('loads exactly the scripts the transport names', () => {
    expect([...scripts.keys()].sort()).toEqual([...SCRIPT_NAMES].sort());
  });

  it.each([...scripts.values()].map((s) => [s.file, s] as const))(
    '%s: header declares as many KEYS as its name says',
    (_, s) => {
      const raw = readFileSync(join(luaDir, s.file), 'utf8');
      const header = raw.split('\n').filter((l) => l.startsWith('--'));
      const declared = new Set(
        [...header.join('\n').matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])),
      );
      if (s.numKeys === 'variable') {
        expect(declared.size).toBeGreaterThan(0);
      } else {
        expect([...declared].sort((a, b) => a - b)).toEqual(
          Array.from({ length: s.numKeys }, (_, i) => i + 1),
        );
        const used = new Set([...raw.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
        for (const k of used) expect(k).toBeLessThanOrEqual(s.numKeys);
      }
    },
  );

  it.each([...scripts.values()].map((s) => [s.file, s] as const))(
    '%s: every return code in its header is in the TS Status enum',
    (_, s) => {
      for (const [code, name] of s.statuses) {
        expect(Status).toHaveProperty(name);
        expect(Status[name as keyof typeof Status]).toBe(code);
      }
    },
  );

  it('inlines each include once, dependencies first, and leaves no include directive', () => {
    for (const s of scripts.values()) {
      expect(s.source).not.toMatch(/@include/);
      const defined = [...s.source.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
      expect(new Set(defined).size).toBe(defined.length);
    }
    const lease = scripts.get('lease')!.source;
    expect(lease.indexOf('local function decode_ulid_time')).toBeLessThan(
      lease.indexOf('local function try_lease_item'),
    );
  });

  it('each include defines exactly one function, named after its file', () => {
    for (const file of readdirSync(join(luaDir, 'includes'))) {
      const body = readFileSync(join(luaDir, 'includes', file), 'utf8');
      const defined = [...body.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
      expect(defined).toEqual([file.replace(/\.lua$/, '')]);
    }
  });

  it('rejects include cycles, unknown includes and misnamed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'durq-lua-'));
    mkdirSync(join(dir, 'includes'));
    mkdirSync(join(dir, 'queue'));
    writeFileSync(join(dir, 'includes', 'a.lua'), '-- @include b\nlocal function a() end\n');
    writeFileSync(join(dir, 'includes', 'b.lua'), '-- @include a\nlocal function b() end\n');
    writeFileSync(join(dir, 'queue', 'cyclic-0.lua'), '-- @include a\nreturn 0\n');
    expect(() => loadScripts(dir)).toThrow(/include cycle.*a -> b -> a/);
    writeFileSync(join(dir, 'queue', 'cyclic-0.lua'), '-- @include nope\nreturn 0\n');
    expect(() => loadScripts(dir)).toThrow(ScriptLoadError);
    writeFileSync(join(dir, 'queue', 'cyclic-0.lua'), 'return 0\n');
    writeFileSync(join(dir, 'queue', 'Bad_name.lua'), 'return 0\n');
    expect(() => loadScripts(dir)).toThrow(/verbNoun/);
  });
});

describe('scripts on a server', () => {
  const redis = useRedis();

  it('are called by SHA and resent after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const { transport, raw } = redis;
    expect(await transport.runScript('peekByScore', ['{x}:idx'], [0, 10, -1])).toEqual([0, [], []]);
    await raw.script('FLUSH');
    expect(await transport.runScript('peekByScore', ['{x}:idx'], [0, 10, -1])).toEqual([0, [], []]);
    const [exists] = (await raw.script('EXISTS', scripts.get('peekByScore')!.sha)) as number[];
    expect(exists).toBe(1);
  });

  it('refuses a call with the wrong number of KEYS before it reaches Redis', async () => {
    await expect(redis.transport.runScript('enqueue', ['{x}:a'], [])).rejects.toThrow(
      /takes 7 KEYS, got 1/,
    );
  });
});
