import { UnknownStatusError } from '../../core/errors.js';
import { assert } from '../../core/assert.js';
import type { LuaScript } from '../../redis/script.js';
import type { RedisTransport, ScriptArg } from '../../redis/transport.js';
import { Status, type StatusName } from '../status.js';

/**
 * A script's interface as TypeScript sees it: the names of its KEYS and ARGV in order, the
 * statuses it may answer, and, for scripts named `-n`, the KEYS and ARGV repeated per entry. The
 * one place an offset is known: wrappers encode by name, the simulator's auditor decodes by
 * name, and a test holds each Lua header to it (test/queue/shard/script-specs.test.ts).
 */
export interface ScriptSpecInput<
  K extends string,
  A extends string,
  S extends StatusName,
  EK extends string,
  EA extends string,
  ES extends StatusName,
> {
  script: LuaScript;
  keys: readonly K[];
  args: readonly A[];
  /** The statuses its reply may carry; [] for scripts that return data or a list per entry. */
  statuses: readonly S[];
  /** The statuses each entry of its reply may carry (leaseBatch, dequeueBatch, partitionPass). */
  entryStatuses?: readonly ES[];
  keysPerEntry?: readonly EK[];
  argsPerEntry?: readonly EA[];
  /** The ARGV that holds the entry count, when the script takes one (checked at encode). */
  countArg?: A;
  /** KEYS after the named ones are extra keys that ARGV refers to by 1-based index. */
  indexedKeys?: boolean;
}

/** One call's KEYS and ARGV by name; entries for -n scripts. */
export interface ScriptCall<
  K extends string,
  A extends string,
  EK extends string,
  EA extends string,
> {
  keys: Record<K, string>;
  args: Record<A, ScriptArg>;
  entries?: readonly { keys?: Record<EK, string>; args: Record<EA, ScriptArg> }[];
  /** Extra KEYS (indexedKeys scripts), in the order ARGV refers to them. */
  extraKeys?: readonly string[];
}

/** ARGV of a call as the server saw it, by name (what the auditor reads). */
export interface DecodedArgs<A extends string, EA extends string> {
  args: Record<A, string>;
  entries: Record<EA, string>[];
}

export class ScriptSpec<
  K extends string = string,
  A extends string = string,
  S extends StatusName = StatusName,
  EK extends string = string,
  EA extends string = string,
  ES extends StatusName = StatusName,
> {
  readonly script: LuaScript;
  readonly name: string;
  readonly keys: readonly K[];
  readonly args: readonly A[];
  readonly statuses: readonly S[];
  readonly entryStatuses: readonly ES[];
  readonly keysPerEntry: readonly EK[];
  readonly argsPerEntry: readonly EA[];
  readonly countArg: A | undefined;
  readonly indexedKeys: boolean;
  private readonly byCode: ReadonlyMap<number, S>;
  private readonly entryByCode: ReadonlyMap<number, ES>;

  constructor(input: ScriptSpecInput<K, A, S, EK, EA, ES>) {
    this.script = input.script;
    this.name = input.script.name;
    this.keys = input.keys;
    this.args = input.args;
    this.statuses = input.statuses;
    this.entryStatuses = input.entryStatuses ?? [];
    this.keysPerEntry = input.keysPerEntry ?? [];
    this.argsPerEntry = input.argsPerEntry ?? [];
    this.countArg = input.countArg;
    this.indexedKeys = input.indexedKeys ?? false;
    this.byCode = new Map(input.statuses.map((s) => [Status[s], s]));
    this.entryByCode = new Map(this.entryStatuses.map((s) => [Status[s], s]));
    const fixed = input.script.numKeys;
    assert(
      fixed === 'variable' || (fixed === this.keys.length && this.keysPerEntry.length === 0),
      `${this.name}: spec names ${this.keys.length} KEYS, the script takes ${String(fixed)}`,
    );
  }

  /** KEYS and ARGV in the script's order. */
  encode(call: ScriptCall<K, A, EK, EA>): { keys: string[]; args: ScriptArg[] } {
    const keys = this.keys.map((k) => call.keys[k]);
    const args = this.args.map((a) => call.args[a]);
    const entries = call.entries ?? [];
    if (this.countArg !== undefined) {
      assert(
        call.args[this.countArg] === entries.length,
        `${this.name}: ${this.countArg} is ${call.args[this.countArg]}, entries ${entries.length}`,
      );
    }
    for (const entry of entries) {
      for (const k of this.keysPerEntry) keys.push((entry.keys as Record<EK, string>)[k]);
      for (const a of this.argsPerEntry) args.push(entry.args[a]);
    }
    if (call.extraKeys) keys.push(...call.extraKeys);
    return { keys, args };
  }

  /** Encodes the call and runs it; resolves to the raw reply. */
  run(transport: RedisTransport, call: ScriptCall<K, A, EK, EA>): Promise<unknown> {
    const { keys, args } = this.encode(call);
    return transport.runScript(this.script, keys, args);
  }

  /** ARGV by name, entries split off: the inverse of encode for its ARGV. */
  decodeArgs(raw: readonly ScriptArg[]): DecodedArgs<A, EA> {
    const args = {} as Record<A, string>;
    this.args.forEach((a, i) => (args[a] = String(raw[i])));
    const entries: Record<EA, string>[] = [];
    const width = this.argsPerEntry.length;
    for (let at = this.args.length; width > 0 && at + width <= raw.length; at += width) {
      const entry = {} as Record<EA, string>;
      this.argsPerEntry.forEach((a, j) => (entry[a] = String(raw[at + j])));
      entries.push(entry);
    }
    return { args, entries };
  }

  /** The status a reply code names, or UnknownStatusError naming this script. */
  status(code: unknown): S {
    const name = typeof code === 'number' ? this.byCode.get(code) : undefined;
    if (name === undefined) throw new UnknownStatusError(this.name, code);
    return name;
  }

  /** The status one entry's reply code names, or UnknownStatusError naming this script. */
  entryStatus(code: unknown): ES {
    const name = typeof code === 'number' ? this.entryByCode.get(code) : undefined;
    if (name === undefined) throw new UnknownStatusError(this.name, code);
    return name;
  }
}

/** Declares a script's spec; `const` type parameters keep every name a literal type. */
export function defineScript<
  const K extends string,
  const A extends string,
  const S extends StatusName = never,
  const EK extends string = never,
  const EA extends string = never,
  const ES extends StatusName = never,
>(input: ScriptSpecInput<K, A, S, EK, EA, ES>): ScriptSpec<K, A, S, EK, EA, ES> {
  return new ScriptSpec(input);
}
