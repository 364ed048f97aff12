/**
 * What a script's header declares, line by line (see lua/README.md for the format). Tests hold
 * each header against its TypeScript spec, so the two cannot drift apart.
 */
export interface LuaHeader {
  /** `-- KEYS[i] name: …`, in order. */
  keys: string[];
  /** `-- KEYS per entry (n): a, b, …` (scripts named -n). */
  keysPerEntry: string[];
  /** `-- KEYS[i..] name: …`: KEYS from i on, referenced by index from ARGV. */
  indexedKeysFrom: number | null;
  /** `-- ARGV[i] name: …`, in order. */
  args: string[];
  /** `-- ARGV per entry (n): a, b, …`. */
  argsPerEntry: string[];
  /** `-- returns <code> <NAME>`: the reply's statuses. */
  statuses: Map<string, number>;
  /** `-- returns per entry <code> <NAME>`: each entry's statuses (list replies). */
  entryStatuses: Map<string, number>;
  /** Lines that look like declarations but break the format, with why. */
  problems: string[];
}

const KEY = /^--\s*KEYS\[(\d+)\]\s+([A-Za-z][A-Za-z0-9]*)\b/;
const KEY_TAIL = /^--\s*KEYS\[(\d+)\.\.\]\s+([A-Za-z][A-Za-z0-9]*)\b/;
const ARG = /^--\s*ARGV\[(\d+)\]\s+([A-Za-z][A-Za-z0-9]*)\b/;
const PER_ENTRY = /^--\s*(KEYS|ARGV) per entry \((\d+)\):\s*(.+)$/;
const STATUS = /^--\s*returns\s+(-?\d+)\s+([A-Z][A-Z0-9_]*)\b/;
const ENTRY_STATUS = /^--\s*returns per entry\s+(-?\d+)\s+([A-Z][A-Z0-9_]*)\b/;

/** Parses the leading comment block of a script. */
export function parseLuaHeader(source: string): LuaHeader {
  const h: LuaHeader = {
    keys: [],
    keysPerEntry: [],
    indexedKeysFrom: null,
    args: [],
    argsPerEntry: [],
    statuses: new Map(),
    entryStatuses: new Map(),
    problems: [],
  };
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('--')) break;
    let m: RegExpExecArray | null;
    if ((m = KEY_TAIL.exec(line))) h.indexedKeysFrom = Number(m[1]);
    else if ((m = KEY.exec(line))) place(h, h.keys, Number(m[1]), m[2] as string, line);
    else if ((m = ARG.exec(line))) place(h, h.args, Number(m[1]), m[2] as string, line);
    else if ((m = PER_ENTRY.exec(line))) perEntry(h, m[1] as string, Number(m[2]), m[3] as string);
    else if ((m = STATUS.exec(line))) h.statuses.set(m[2] as string, Number(m[1]));
    else if ((m = ENTRY_STATUS.exec(line))) h.entryStatuses.set(m[2] as string, Number(m[1]));
  }
  return h;
}

function place(h: LuaHeader, list: string[], index: number, name: string, line: string): void {
  if (index !== list.length + 1) h.problems.push(`out of order (want ${list.length + 1}): ${line}`);
  list.push(name);
}

function perEntry(h: LuaHeader, what: string, count: number, names: string): void {
  const list = names.split(',').map((n) => n.trim());
  if (list.length !== count)
    h.problems.push(`${what} per entry says ${count}, names ${list.length}`);
  if (what === 'KEYS') h.keysPerEntry = list;
  else h.argsPerEntry = list;
}
