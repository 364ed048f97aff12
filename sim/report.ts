import { chartJs, escape } from '../testkit/charts.js';
import type { SimResult } from './run.js';

/**
 * A self-contained HTML page for one run: queue depth, leases in flight per function against its
 * limit, per-account throughput, and (with runs) the executor's runs in flight and steps
 * committed per second, each over virtual time (drawn by Chart.js).
 */
export function writeReport(r: SimResult): string {
  const { t, charts } = chartData(r);
  const status =
    r.violations.length === 0
      ? 'no violation'
      : `${r.violations.length} violation(s): ${r.violations[0]!.invariant}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>durq sim seed ${escape(r.seed)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}canvas{margin-bottom:2em}</style>
<script>${chartJs()}</script></head><body>
<h1>durq simulation, seed ${escape(r.seed)}</h1>
<p>${escape(status)}. ${r.items} items: ${r.completed} completed, ${r.failed} failed, ${r.lost} lost, ${r.duplicates} duplicate runs.
${(r.virtualMs / 1000).toFixed(1)} s of virtual time in ${(r.wallMs / 1000).toFixed(2)} s. Trace hash <code>${r.traceHash}</code>.
${r.runs ? `Executor: ${r.runs.stories} stories; runs ${escape(JSON.stringify(r.runs.byState))}; ${r.runs.stepsCommitted} steps committed; ${r.runs.sdkRequests} SDK requests.` : ''}
Faults: ${escape(JSON.stringify(r.faults))}.</p>
${r.violations.map((v) => `<pre>${escape(`${v.invariant}: ${v.message}`)}</pre>`).join('\n')}
${charts.map((c) => `<h2>${escape(c.title)}</h2><canvas id="${c.id}" height="110"></canvas>`).join('\n')}
<script>
const labels = ${JSON.stringify(t)};
for (const c of ${JSON.stringify(charts)}) {
  new Chart(document.getElementById(c.id), {
    type: 'line',
    data: { labels, datasets: c.datasets.map((d) => ({ ...d, fill: false, borderWidth: 1.5 })) },
    options: { animation: false, scales: { x: { title: { display: true, text: 'virtual seconds' } } }, plugins: { legend: { position: 'right' } } },
  });
}
</script></body></html>
`;
}

/** The time axis (virtual seconds) and the three charts' datasets. */
function chartData(r: SimResult) {
  const t = r.samples.map((s) => (s.t / 1000).toFixed(0));
  const functions = Object.keys(r.limits);
  const accounts = [...new Set(r.samples.flatMap((s) => Object.keys(s.dequeuedByAccount)))].sort();
  const leases = functions.flatMap((f, i) => {
    const pid = `fn:${f.replace('/', ':')}`;
    const color = `hsl(${(i * 57) % 360} 70% 45%)`;
    return [
      {
        label: `${f} leases`,
        data: r.samples.map((s) => s.leasesByFunction[pid] ?? 0),
        borderColor: color,
        pointRadius: 0,
      },
      {
        label: `${f} limit`,
        data: r.samples.map(() => r.limits[f]),
        borderColor: color,
        borderDash: [4, 4],
        pointRadius: 0,
      },
    ];
  });
  const throughput = accounts.map((a, i) => ({
    label: a,
    data: r.samples.map(
      (s, k) =>
        (s.dequeuedByAccount[a] ?? 0) - (k > 0 ? (r.samples[k - 1]!.dequeuedByAccount[a] ?? 0) : 0),
    ),
    borderColor: `hsl(${(i * 83) % 360} 70% 45%)`,
    pointRadius: 0,
  }));
  const charts = [
    {
      id: 'depth',
      title: 'Queue depth (items stored)',
      datasets: [
        {
          label: 'items',
          data: r.samples.map((s) => s.depth),
          borderColor: '#333',
          pointRadius: 0,
        },
      ],
    },
    {
      id: 'leases',
      title: 'Leases in flight per function, against its limit (dashed)',
      datasets: leases,
    },
    {
      id: 'throughput',
      title: 'Items finished per account, per sample interval',
      datasets: throughput,
    },
    ...execCharts(r),
  ];
  return { t, charts };
}

/** With runs: the executor's runs in flight and steps committed per virtual second. */
function execCharts(r: SimResult) {
  if (!r.samples.some((s) => s.runsInFlight !== undefined)) return [];
  const seconds = (k: number) => (r.samples[k]!.t - (k > 0 ? r.samples[k - 1]!.t : 0)) / 1000;
  return [
    {
      id: 'runs',
      title: 'Executor: runs in flight (created, not yet ended)',
      datasets: [
        {
          label: 'runs',
          data: r.samples.map((s) => s.runsInFlight ?? 0),
          borderColor: '#1f6feb',
          pointRadius: 0,
        },
      ],
    },
    {
      id: 'steps',
      title: 'Executor: steps committed per virtual second',
      datasets: [
        {
          label: 'steps/s',
          data: r.samples.map((s, k) =>
            Math.round(
              ((s.stepsCommitted ?? 0) - (k > 0 ? (r.samples[k - 1]!.stepsCommitted ?? 0) : 0)) /
                seconds(k),
            ),
          ),
          borderColor: '#d29922',
          pointRadius: 0,
        },
      ],
    },
  ];
}
