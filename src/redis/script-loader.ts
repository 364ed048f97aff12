import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScriptLoadError } from './errors.js';
import type { LuaScript } from './script.js';

/**
 * Reads Lua scripts from lua/ at build and test time (`npm run lua` flattens them into each
 * layer's lua.generated.ts, which is what runs): inlines includes and parses headers.
 */

const INCLUDE = /^--\s*@include\s+([A-Za-z0-9_]+)\s*$/;
const FILE_NAME = /^([a-z][A-Za-z0-9]*)-(\d+|n)\.lua$/;

/** Finds the repository's `lua/` folder by walking up from this module (src/ and dist/ alike). */
export function defaultLuaRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'lua');
    if (existsSync(join(candidate, 'includes'))) return candidate;
    dir = dirname(dir);
  }
  throw new ScriptLoadError('cannot find the lua/ folder above ' + fileURLToPath(import.meta.url));
}

/** The layers that own scripts: every folder of lua/ but includes/. */
export function luaLayers(luaRoot: string): string[] {
  return readdirSync(luaRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'includes')
    .map((d) => d.name)
    .sort();
}

/**
 * Every `lua/<layer>/<name>-<numKeys>.lua`, with its `-- @include x` helpers from
 * `lua/includes/x.lua` inlined (each once, dependencies first, cycles rejected) and its SHA1.
 */
export function readLuaScripts(luaRoot: string, layer: string): LuaScript[] {
  const includeDir = join(luaRoot, 'includes');
  const scripts: LuaScript[] = [];
  for (const file of readdirSync(join(luaRoot, layer)).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match)
      throw new ScriptLoadError(`script file name must be <verbNoun>-<numKeys|n>.lua: ${file}`);
    const [, name, keys] = match as unknown as [string, string, string];
    const path = `${layer}/${file}`;
    const source = flatten(readFileSync(join(luaRoot, path), 'utf8'), includeDir, path);
    scripts.push({
      name,
      file: path,
      numKeys: keys === 'n' ? 'variable' : Number(keys),
      source,
      sha: createHash('sha1').update(source).digest('hex'),
    });
  }
  return scripts;
}

/** The script with its includes inlined at the top, in dependency order. */
export function flatten(source: string, includeDir: string, origin: string): string {
  const emitted = new Set<string>();
  const parts: string[] = [];
  const visit = (name: string, chain: string[]): void => {
    if (chain.includes(name)) {
      throw new ScriptLoadError(`include cycle in ${origin}: ${[...chain, name].join(' -> ')}`);
    }
    if (emitted.has(name)) return;
    const path = join(includeDir, `${name}.lua`);
    if (!existsSync(path)) throw new ScriptLoadError(`${origin} includes unknown helper '${name}'`);
    const body = readFileSync(path, 'utf8');
    for (const dep of includesOf(body)) visit(dep, [...chain, name]);
    emitted.add(name);
    parts.push(stripIncludes(body).trimEnd());
  };
  for (const dep of includesOf(source)) visit(dep, []);
  parts.push(stripIncludes(source));
  return parts.join('\n');
}

/** The helpers a script or include names with `-- @include`. */
export function includesOf(source: string): string[] {
  return source
    .split('\n')
    .map((line) => INCLUDE.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);
}

function stripIncludes(source: string): string {
  return source
    .split('\n')
    .filter((line) => !INCLUDE.test(line.trim()))
    .join('\n');
}
