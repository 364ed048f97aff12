/**
 * Plain-text summaries of where client CPU went: self time per function, and per group (ioredis,
 * durq src, node internals, GC, idle, ...), from a V8 .cpuprofile or from clinic flame's samples.
 * Positions in the bundle are mapped back to the .ts sources by `resolve` (see bundle.ts).
 */
import type { Resolve } from './bundle.js';

export interface Summary {
  /** What the figures count: 'ms' (V8 profile) or 'samples' (clinic flame). */
  unit: 'ms' | 'samples';
  total: number;
  top: { label: string; group: string; self: number }[];
  groups: { group: string; self: number }[];
}

const ROOT = new URL('../../', import.meta.url).pathname;
const IDLE = 'idle (event loop waiting)';
const IOREDIS =
  /\/node_modules\/(ioredis|redis-parser|@ioredis|denque|cluster-key-slot|standard-as-callback)\//;

/** Which part of the client a script URL belongs to. */
export function groupOf(url: string): string {
  if (url === '') return 'V8/native';
  if (url.startsWith('node:')) return 'node internals';
  if (IOREDIS.test(url)) return 'ioredis';
  if (/\/node_modules\/(tsx|esbuild|get-tsconfig)\//.test(url)) return 'tsx';
  if (url.includes('/node_modules/')) return 'other deps';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(ROOT + 'src/')) return 'durq src';
  if (path.startsWith(ROOT + 'bench/') || path.startsWith(ROOT + 'sim/')) return 'bench harness';
  return 'other';
}

/** A function's label (name and repo- or package-relative source line) and group. */
function labelOf(fn: string, p: { url: string; line: number | null }): [string, string] {
  const short = p.url
    .replace(/^file:\/\//, '')
    .replace(ROOT, '')
    .replace(/^.*\/node_modules\//, '');
  const at = p.url ? ` ${short}${p.line === null ? '' : `:${p.line}`}` : '';
  return [`${fn || '(anonymous)'}${at}`, groupOf(p.url)];
}

const asIs: Resolve = (url, line0) => ({ url, line: line0 + 1 });

function build(unit: Summary['unit'], self: Map<string, [string, number]>, n: number): Summary {
  const groups = new Map<string, number>();
  let total = 0;
  for (const [group, v] of self.values()) {
    groups.set(group, (groups.get(group) ?? 0) + v);
    total += v;
  }
  const byValue = <T extends { self: number }>(a: T, b: T) => b.self - a.self;
  return {
    unit,
    total,
    top: [...self]
      .map(([label, [group, v]]) => ({ label, group, self: v }))
      .sort(byValue)
      .slice(0, n),
    groups: [...groups].map(([group, v]) => ({ group, self: v })).sort(byValue),
  };
}

function add(self: Map<string, [string, number]>, label: string, group: string, v: number): void {
  const entry = self.get(label);
  if (entry) entry[1] += v;
  else self.set(label, [group, v]);
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const SPECIAL = new Map([
  ['(idle)', IDLE],
  ['(garbage collector)', 'GC'],
  ['(program)', 'V8/native'],
]);

/** Self time per function in a V8 CPU profile, only from samples inside `window` (µs) if given. */
export function summariseCpuProfile(
  p: CpuProfile,
  window?: { startUs: number; endUs: number },
  resolve = asIs,
  n = 15,
): Summary {
  const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, [string, number]>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.startUs || t > window.endUs)) continue;
    const f = byId.get(p.samples[i]!);
    if (!f || f.functionName === '(root)') continue;
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000; // a sample stands for the time until the next
    const special = SPECIAL.get(f.functionName);
    if (special) add(self, f.functionName, special, ms);
    else {
      const [label, group] = labelOf(
        f.functionName,
        f.url ? resolve(f.url, f.lineNumber, f.columnNumber) : { url: '', line: null },
      );
      add(self, label, group, ms);
    }
  }
  return build('ms', self, n);
}

export interface ClinicFrame {
  name: string;
  type: string;
}

/** A JS frame's name in clinic flame: "fn url:line:col" (1-based line). */
export function parseClinicName(
  name: string,
): { fn: string; url: string; line: number; column: number } | null {
  const m = /^(.*?) ?(\S+):(\d+):(\d+)$/.exec(name.trim());
  return m ? { fn: m[1] || '(anonymous)', url: m[2]!, line: +m[3]!, column: +m[4]! } : null;
}

/** Self samples per leaf frame in clinic flame's `-samples` file (stacks, root first). */
export function summariseClinicSamples(stacks: ClinicFrame[][], resolve = asIs, n = 15): Summary {
  const self = new Map<string, [string, number]>();
  for (const stack of stacks) {
    const leaf = stack.at(-1);
    if (!leaf) {
      add(self, '(no frames: a tick 0x could not resolve)', 'V8/native', 1);
      continue;
    }
    if (leaf.type !== 'JS') {
      const idle = stack.length === 1 && /epoll_wait|epoll_pwait/.test(leaf.name);
      add(self, `${leaf.name} [${leaf.type}]`, idle ? IDLE : 'native', 1);
      continue;
    }
    const f = parseClinicName(leaf.name);
    if (!f) add(self, leaf.name, 'V8/native', 1);
    else add(self, ...labelOf(f.fn, resolve(f.url, f.line - 1, f.column)), 1);
  }
  return build('samples', self, n);
}

/** The summary as lines of text. */
export function formatSummary(title: string, s: Summary): string[] {
  const pct = (v: number) => `${((v / Math.max(s.total, 1e-9)) * 100).toFixed(1)}%`.padStart(6);
  const amount = (v: number) => (s.unit === 'ms' ? `${v.toFixed(0)} ms` : `${v}`).padStart(9);
  const idle = s.groups.find((g) => g.group === IDLE)?.self ?? 0;
  return [
    `${title}: ${s.unit === 'ms' ? `${s.total.toFixed(0)} ms` : `${s.total} samples`} in all, ` +
      `${pct(s.total - idle).trim()} busy (not waiting in the event loop)`,
    '  by group (self time):',
    ...s.groups.map((g) => `  ${pct(g.self)} ${amount(g.self)}  ${g.group}`),
    `  top ${s.top.length} functions by self time:`,
    ...s.top.map((f) => `  ${pct(f.self)} ${amount(f.self)}  ${f.label}  [${f.group}]`),
  ];
}
