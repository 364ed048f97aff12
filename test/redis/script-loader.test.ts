import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScriptCallError, ScriptError, ScriptLoadError } from '../../src/redis/errors.js';
import type { LuaScript } from '../../src/redis/script.js';
import { defaultLuaRoot, luaLayers, readLuaScripts } from '../../src/redis/script-loader.js';
import { LUA_SCRIPTS } from '../../src/queue/lua.generated.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { generatedModule, generatedPath, staleLayers } from '../../tools/lua.js';

const luaRoot = defaultLuaRoot();
const repoRoot = join(luaRoot, '..');

describe('script loader (build time: npm run lua)', () => {
  it('the generated module of every layer matches lua/ as it is now', () => {
    // Stale means a .lua file changed without `npm run lua`: the tests would run old Lua.
    expect(staleLayers(repoRoot)).toEqual([]);
    for (const layer of luaLayers(luaRoot)) {
      expect(readFileSync(generatedPath(repoRoot, layer), 'utf8')).toBe(
        generatedModule(luaRoot, layer),
      );
    }
  });

  it('the staleness check can fail: an edited script makes its layer stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'durq-stale-'));
    mkdirSync(join(dir, 'lua', 'includes'), { recursive: true });
    mkdirSync(join(dir, 'lua', 'queue'));
    mkdirSync(join(dir, 'src', 'queue'), { recursive: true });
    writeFileSync(join(dir, 'lua', 'queue', 'noop-0.lua'), 'return 0\n');
    writeFileSync(generatedPath(dir, 'queue'), generatedModule(join(dir, 'lua'), 'queue'));
    expect(staleLayers(dir)).toEqual([]);
    writeFileSync(join(dir, 'lua', 'queue', 'noop-0.lua'), 'return 1\n');
    expect(staleLayers(dir)).toEqual(['queue']);
  });

  it('inlines each include once, dependencies first, and leaves no include directive', () => {
    for (const s of readLuaScripts(luaRoot, 'queue')) {
      expect(s.source).not.toMatch(/@include/);
      const defined = [...s.source.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
      expect(new Set(defined).size).toBe(defined.length);
    }
    const lease = LUA_SCRIPTS.lease.source;
    expect(lease.indexOf('local function decode_ulid_time')).toBeLessThan(
      lease.indexOf('local function try_lease_item'),
    );
  });

  it('each include defines exactly one function, named after its file', () => {
    for (const file of readdirSync(join(luaRoot, 'includes'))) {
      const body = readFileSync(join(luaRoot, 'includes', file), 'utf8');
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
    expect(() => readLuaScripts(dir, 'queue')).toThrow(/include cycle.*a -> b -> a/);
    writeFileSync(join(dir, 'queue', 'cyclic-0.lua'), '-- @include nope\nreturn 0\n');
    expect(() => readLuaScripts(dir, 'queue')).toThrow(ScriptLoadError);
    writeFileSync(join(dir, 'queue', 'cyclic-0.lua'), 'return 0\n');
    writeFileSync(join(dir, 'queue', 'Bad_name.lua'), 'return 0\n');
    expect(() => readLuaScripts(dir, 'queue')).toThrow(/verbNoun/);
  });
});

describe('scripts on a server', () => {
  const redis = useRedis();
  const probe = LUA_SCRIPTS.peekByScore;

  it('are called by SHA and resent after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const { transport, raw } = redis;
    expect(await transport.runScript(probe, ['{x}:idx'], [0, 10, -1])).toEqual([0, [], []]);
    await raw.script('FLUSH');
    expect(await transport.runScript(probe, ['{x}:idx'], [0, 10, -1])).toEqual([0, [], []]);
    const [exists] = (await raw.script('EXISTS', probe.sha)) as number[];
    expect(exists).toBe(1);
  });

  it('preload caches every script under its SHA', async () => {
    await redis.raw.script('FLUSH');
    await redis.transport.preload(Object.values(LUA_SCRIPTS));
    const shas = Object.values(LUA_SCRIPTS).map((s) => s.sha);
    expect(await redis.raw.script('EXISTS', ...shas)).toEqual(shas.map(() => 1));
  });

  it('refuses a call with the wrong number of KEYS before it reaches Redis', async () => {
    const call = redis.transport.runScript(LUA_SCRIPTS.enqueue, ['{x}:a'], []);
    await expect(call).rejects.toThrow(ScriptCallError);
    await expect(call).rejects.toThrow(/enqueue: takes 7 KEYS, got 1/);
  });

  it('a Lua error() surfaces as a ScriptError that names the script', async () => {
    const broken: LuaScript = {
      name: 'brokenProbe',
      file: 'test/brokenProbe-0.lua',
      numKeys: 0,
      source: "error('durq: planted failure')",
      sha: '0000000000000000000000000000000000000000',
    };
    const err = await redis.transport.runScript(broken, [], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', script: 'brokenProbe' });
    expect(String((err as Error).message)).toMatch(/brokenProbe.*planted failure/);
  });

  it('a malformed ULID reaching a real script is a ScriptError too', async () => {
    const keys = ['{x}:role:r'];
    await redis.raw.set(keys[0]!, 'not-a-ulid');
    const err = await redis.transport
      .runScript(LUA_SCRIPTS.roleLease, keys, ['01HF7Y0000000000000000ZZZZ', '', 0])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect(err).toMatchObject({ script: 'roleLease' });
    expect(String((err as Error).message)).toMatch(/malformed ULID/);
  });
});
