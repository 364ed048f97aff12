import type { MicroResult } from './micro.js';

const COLUMNS: readonly [string, (r: MicroResult) => string, 'l' | 'r'][] = [
  ['script', (r) => r.script, 'l'],
  ['setting', (r) => r.setting, 'l'],
  ['wall µs/call', (r) => r.usPerCall.toFixed(1), 'r'],
  ['p99 µs', (r) => r.p99Us.toFixed(1), 'r'],
  ['redis µs/call', (r) => r.redisUsPerCall.toFixed(1), 'r'],
  ['ops/s', (r) => String(r.opsPerSec), 'r'],
  ['call', (r) => r.detail, 'l'],
];

/** The results as an aligned text table, one row per script and setting, scripts grouped. */
export function formatTable(results: readonly MicroResult[]): string {
  const order = [...new Set(results.map((r) => r.script))];
  const sorted = [...results].sort(
    (a, b) => order.indexOf(a.script) - order.indexOf(b.script) || (a.setting < b.setting ? -1 : 1),
  );
  const rows = [COLUMNS.map(([h]) => h), ...sorted.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const w = widths[i] as number;
        return COLUMNS[i]?.[2] === 'r' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows as [string[], ...string[][]];
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
