import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartJs, escape } from '../testkit/charts.js';
import type { ChartData } from './harness/context.js';
import type { BenchResult } from './harness/result.js';
import type { TargetCheck } from './harness/targets.js';

export interface BenchReport {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  results: BenchResult[];
  targets: TargetCheck[];
  charts: ChartData;
  about: Record<string, string>;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

const HOW_TO_READ = [
  '- Both systems run on the same private `redis-server`, pinned to core 0 with the driver on',
  '  core 1 (`taskset`), in the same run. Ratios between them are the figures to trust: the',
  '  machine is a shared 2-core VM, and absolute rates move by ±20 % between runs.',
  '- Throughput settings (enqueue, drain) run once to warm up and then `--runs` times (3 by',
  '  default); the table shows the median run, with the range in `other`. Duplicates and losses',
  '  are summed over every run.',
  '- **Redis µs/item**: the Redis process CPU (user + sys, `INFO cpu`) over the measured window,',
  '  divided by the items: parsing, networking and scripts. **script µs/item**: time inside',
  '  EVALSHA (`INFO commandstats`). **cmds/item**: requests the clients sent (ioredis commands,',
  '  each pipelined one counted): an upper bound on round trips.',
  '- Latencies come from HDR histograms. In the latency workload they run from the intended',
  '  (Poisson) arrival time to the handler start, so a late sender is not hidden.',
  '- The ingest workload runs `durq serve` on its own embedded Redis, not on the target, and',
  '  pins nothing (its description and its `cpu` column say who used the cores).',
].join('\n');

/** The results of one workload as a Markdown table. */
function table(rs: BenchResult[]): string {
  const head =
    '| system | setting | items/s | Redis µs/item | script µs/item | cmds/item | p50 ms | p99 ms | p99.9 ms | dup | lost | other |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const rows = rs.map(
    (r) =>
      `| ${r.system} | ${r.setting} | ${cell(r.itemsPerSec)} | ${r.redisUsPerItem} | ${r.scriptUsPerItem} | ${r.roundTripsPerItem} | ` +
      `${cell(r.p50Ms)} | ${cell(r.p99Ms)} | ${cell(r.p999Ms)} | ${r.duplicates} | ${r.lost} | ` +
      `${Object.entries(r.extra)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} |`,
  );
  return [head, ...rows].join('\n');
}

export function markdown(rep: BenchReport, htmlName: string): string {
  const workloads = [...new Set(rep.results.map((r) => r.workload))];
  const machine = Object.entries(rep.machine).map(([k, v]) => `| ${k} | ${cell(v)} |`);
  const targets = rep.targets.map(
    (t) =>
      `| ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'met' : '**missed**'} |`,
  );
  return [
    `# durq benchmark, ${rep.date}`,
    '',
    `Command: \`${rep.command}\`. Charts: [${htmlName}](${htmlName}).`,
    '',
    '| machine | |\n|---|---|',
    ...machine,
    '',
    '## How to read it',
    '',
    HOW_TO_READ,
    '',
    '## Targets',
    '',
    '| target | measured | |\n|---|---|---|',
    ...targets,
    '',
    ...workloads.flatMap((w) => [
      `## ${w}`,
      '',
      rep.about[w] ?? '',
      '',
      table(rep.results.filter((r) => r.workload === w)),
      '',
    ]),
  ].join('\n');
}

/** The HTML page: the tables' data plus Chart.js charts (throughput, latency CDF, fairness). */
export function html(rep: BenchReport): string {
  const charts = JSON.stringify(rep.charts);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>durq benchmark ${escape(rep.date)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}canvas{margin-bottom:2em}
td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}</style>
<script>${chartJs()}</script></head><body>
<h1>durq benchmark, ${escape(rep.date)}</h1>
<p><code>${escape(rep.command)}</code></p>
<table>${Object.entries(rep.machine)
    .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(cell(v))}</td></tr>`)
    .join('')}</table>
<h2>Targets</h2><table>${rep.targets.map((t) => `<tr><td>${escape(t.target)}</td><td>${escape(t.measured)}</td><td>${t.met === null ? '–' : t.met ? 'met' : '<b>missed</b>'}</td></tr>`).join('')}</table>
<div id="charts"></div>
<script>
const data = ${charts};
const root = document.getElementById('charts');
function add(title, config) {
  const h = document.createElement('h2'); h.textContent = title; root.appendChild(h);
  const c = document.createElement('canvas'); c.height = 110; root.appendChild(c);
  new Chart(c, { ...config, options: { animation: false, plugins: { legend: { position: 'right' } }, ...config.options } });
}
if (data.throughput.length) {
  const cs = [...new Set(data.throughput.map((p) => p.concurrency))].sort((a, b) => a - b);
  add('Drain throughput against processor concurrency (items/s)', { type: 'line', data: { labels: cs,
    datasets: ['durq', 'bullmq'].map((s) => ({ label: s, data: cs.map((c) => data.throughput.find((p) => p.system === s && p.concurrency === c)?.itemsPerSec ?? null) })) },
    options: { scales: { x: { title: { display: true, text: 'concurrency' } } } } });
}
// One colour per load level; BullMQ dashed.
const palette = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd'];
const levels = [...new Set(data.latencyCdf.map((s) => s.label.split(' ').slice(1).join(' ')))];
const colourOf = (label) => palette[levels.indexOf(label.split(' ').slice(1).join(' ')) % palette.length];
if (data.latencyCdf.length)
  add('Enqueue→start latency CDF (ms, log scale)', { type: 'line', data: { datasets: data.latencyCdf.map((s) => ({ label: s.label, data: s.points.map(([x, y]) => ({ x, y })), pointRadius: 0, borderWidth: 1.5, borderDash: s.label.startsWith('bullmq') ? [6, 3] : [], borderColor: colourOf(s.label) })) },
    options: { scales: { x: { type: 'logarithmic', title: { display: true, text: 'ms' } }, y: { min: 0, max: 1 } } } });
for (const f of data.fairness) {
  // Tenant A (right axis) against the small tenants together (left axis): their sum is what
  // fairness protects; each trickles about one item per 100 ms.
  const small = Object.entries(f.tenants).filter(([t]) => t !== 'A').map(([, s]) => s);
  const n = Math.max(...Object.values(f.tenants).map((s) => s.length));
  const sum = Array.from({ length: n }, (_, i) => small.reduce((a, s) => a + (s[i] ?? 0), 0));
  add('Fairness over time, items started per ' + f.bucketMs + ' ms: ' + f.label, { type: 'line', data: { labels: Array.from({ length: n }, (_, i) => (i * f.bucketMs / 1000).toFixed(1)),
    datasets: [{ label: 'A (the noisy tenant)', data: f.tenants.A ?? [], pointRadius: 0, borderWidth: 1.5, yAxisID: 'a' }, { label: small.length + ' small tenants, together', data: sum, pointRadius: 0, borderWidth: 1.5, yAxisID: 'y' }] },
    options: { scales: { x: { title: { display: true, text: 'seconds' } }, a: { position: 'right', title: { display: true, text: 'tenant A' } }, y: { title: { display: true, text: 'small tenants' } } } } });
}
</script></body></html>
`;
}

/**
 * Writes reports/bench-<date>.{md,html,json}, or bench-<date>-<workloads>.… for a run of
 * `--workload` names (so that it does not overwrite the day's other runs); returns the
 * Markdown file's path.
 */
export function writeBenchReport(dir: string, subset: string[] | null, rep: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const base = `bench-${rep.date}${subset === null ? '' : `-${subset.join('-')}`}`;
  writeFileSync(join(dir, `${base}.html`), html(rep));
  const { charts: _charts, ...rest } = rep;
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(rest, null, 1) + '\n');
  const md = join(dir, `${base}.md`);
  writeFileSync(md, markdown(rep, `${base}.html`));
  return md;
}
