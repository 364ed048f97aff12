/**
 * A Lua script ready to send: its includes inlined (flattened at build time by `npm run lua`,
 * with src/redis/script-loader.ts), its SHA1, and how many KEYS it takes.
 */
export interface LuaScript {
  /** Its name, `verbNoun` (the file is `<layer>/<verbNoun>-<numKeys>.lua`). */
  readonly name: string;
  /** Its path under lua/, e.g. 'queue/enqueue-7.lua'. */
  readonly file: string;
  /** The fixed number of KEYS, or 'variable' for scripts named `…-n.lua`. */
  readonly numKeys: number | 'variable';
  /** The flattened source, as sent to Redis. */
  readonly source: string;
  /** SHA1 of `source`: the name Redis caches it under (EVALSHA). */
  readonly sha: string;
}
