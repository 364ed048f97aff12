import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A script ready to send: includes inlined, its SHA1 computed, its KEYS count known. */
export interface LoadedScript {
  readonly name: string;
  readonly file: string;
  /** The fixed number of KEYS, or 'variable' for scripts named `…-n.lua`. */
  readonly numKeys: number | 'variable';
  readonly source: string;
  readonly sha: string;
  /** Codes from the header's `-- returns <code> <NAME>` lines. */
  readonly statuses: ReadonlyMap<number, string>;
}

export class ScriptLoadError extends Error {
  override readonly name = 'ScriptLoadError';
}

const INCLUDE = /^--\s*@include\s+([A-Za-z0-9_]+)\s*$/;
const FILE_NAME = /^([a-z][A-Za-z0-9]*)-(\d+|n)\.lua$/;
const STATUS_LINE = /^--\s*returns\s+(-?\d+)\s+([A-Z][A-Z0-9_]*)\b/;

/** Finds the package's `lua/` folder by walking up from this module (works from src/ and dist/). */
export function defaultLuaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'lua');
    if (existsSync(join(candidate, 'includes'))) return candidate;
    dir = dirname(dir);
  }
  throw new ScriptLoadError('cannot find the lua/ folder above ' + fileURLToPath(import.meta.url));
}

/**
 * Reads every `lua/<name>-<numKeys>.lua`, inlines its `-- @include x` helpers from
 * `lua/includes/x.lua` (each once, dependencies first, cycles rejected) and computes its SHA1.
 */
export function loadScripts(luaDir: string = defaultLuaDir()): Map<string, LoadedScript> {
  const includeDir = join(luaDir, 'includes');
  const scripts = new Map<string, LoadedScript>();
  const files = readdirSync(luaDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'includes')
    .flatMap((d) => readdirSync(join(luaDir, d.name)).map((f) => join(d.name, f)))
    .sort();
  for (const path of files) {
    const file = path.split('/').pop() as string;
    if (!file.endsWith('.lua')) continue;
    const match = FILE_NAME.exec(file);
    if (!match)
      throw new ScriptLoadError(`script file name must be <verbNoun>-<numKeys|n>.lua: ${file}`);
    const [, name, keys] = match as unknown as [string, string, string];
    const raw = readFileSync(join(luaDir, path), 'utf8');
    const source = flatten(raw, includeDir, path);
    scripts.set(name, {
      name,
      file: path,
      numKeys: keys === 'n' ? 'variable' : Number(keys),
      source,
      sha: createHash('sha1').update(source).digest('hex'),
      statuses: parseStatuses(raw),
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

function includesOf(source: string): string[] {
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

function parseStatuses(source: string): Map<number, string> {
  const statuses = new Map<number, string>();
  for (const line of source.split('\n')) {
    const m = STATUS_LINE.exec(line.trim());
    if (m) statuses.set(Number(m[1]), m[2] as string);
  }
  return statuses;
}
