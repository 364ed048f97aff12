/**
 * npm run bench: durq side by side with BullMQ on the same Redis, workload by workload.
 * Usage: npm run bench -- [--workload NAME[,NAME]] [--quick] [--runs N] [--json]
 *        [--redis URL | --cluster local:N | --cluster host:port,…] [--report DIR | --no-report]
 *        [--duration SECONDS]
 */
import { arch, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import type { BenchContext, ChartData, Workload } from './harness/context.js';
import { loadBullmq, type BullPeer } from './harness/peer.js';
import type { BenchResult, System } from './harness/result.js';
import { countRoundTrips } from './harness/round-trips.js';
import { openTarget } from './harness/target.js';
import { checkTargets } from './harness/targets.js';
import { writeBenchReport } from './report.js';
import { clusterWorkload } from './workloads/cluster.js';
import { concurrencyCapWorkload } from './workloads/concurrency-cap.js';
import { drainWorkload } from './workloads/drain.js';
import { enqueueWorkload } from './workloads/enqueue.js';
import { ingestWorkload } from './workloads/ingest.js';
import { latencyWorkload } from './workloads/latency.js';
import { lostLeasesWorkload } from './workloads/lost-leases.js';
import { manyPartitionsWorkload } from './workloads/many-partitions.js';
import { microWorkload } from './workloads/micro.js';
import { noisyNeighbourWorkload } from './workloads/noisy-neighbour.js';
import { stepsWorkload } from './workloads/steps.js';

/** In run order: drain comes before latency, which needs its capacity. */
const WORKLOADS: Workload[] = [
  enqueueWorkload,
  drainWorkload,
  latencyWorkload,
  concurrencyCapWorkload,
  noisyNeighbourWorkload,
  lostLeasesWorkload,
  manyPartitionsWorkload,
  clusterWorkload,
  microWorkload,
  stepsWorkload,
  ingestWorkload,
];

const USAGE =
  'usage: npm run bench -- [--workload NAME[,NAME]] [--quick] [--runs N] [--json] ' +
  '[--redis URL | --cluster local:N | --cluster host:port,...] [--report DIR | --no-report] ' +
  '[--duration SECONDS]\n' +
  '  --duration: seconds of load per measured case of the timed workloads (ingest; default 10, ' +
  '3 with --quick)\n' +
  `workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`;

function parse() {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      json: { type: 'boolean', default: false },
      redis: { type: 'string' },
      cluster: { type: 'string' },
      report: { type: 'string', default: 'reports' },
      'no-report': { type: 'boolean', default: false },
      duration: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = values.workload?.split(',').map((s) => s.trim()) ?? WORKLOADS.map((w) => w.name);
  const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown workload ${unknown.join(', ')}`);
  const runs = Number(values.runs ?? (values.quick ? 1 : 3));
  if (!Number.isSafeInteger(runs) || runs < 1 || runs > 20)
    throw new UsageError(`--runs takes an integer from 1 to 20, got ${values.runs}`);
  const durationS = values.duration === undefined ? null : Number(values.duration);
  if (durationS !== null && !(Number.isFinite(durationS) && durationS >= 1 && durationS <= 600))
    throw new UsageError(`--duration takes seconds from 1 to 600, got ${values.duration}`);
  const workloads = WORKLOADS.filter((w) => names.includes(w.name));
  const subset = values.workload === undefined ? null : workloads.map((w) => w.name);
  return { ...values, runs, durationS, subset, workloads };
}

class UsageError extends Error {}

function machineFacts(
  target: { describe: string; pinning: string; redisVersion: string },
  bullmq?: string,
) {
  const require = createRequire(import.meta.url);
  const version = (p: string) => (require(`${p}/package.json`) as { version: string }).version;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    arch: arch(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: target.redisVersion,
    target: target.describe,
    pinning: target.pinning,
    ioredis: version('ioredis'),
    bullmq: bullmq ?? 'not loaded',
    autoPipelining: 'off (both systems)',
  };
}

async function main(): Promise<void> {
  const args = parse();
  countRoundTrips();
  const log = (s: string) => (args.json ? process.stderr : process.stdout).write(s + '\n');
  const target = await openTarget({ redis: args.redis, cluster: args.cluster });
  let peer: BullPeer | undefined;
  let names = 0;
  const charts: ChartData = { throughput: [], latencyCdf: [], fairness: [] };
  const ctx: BenchContext = {
    target,
    quick: args.quick,
    runs: args.runs,
    durationS: args.durationS,
    log,
    bullmq: async () => (peer ??= await loadBullmq(log)),
    capacity: new Map<System, number>(),
    charts,
    uniqueName: (prefix) => `bench-${prefix}${process.pid}n${names++}`,
  };
  if (!target.owned)
    log(`note: ${target.describe} is not the bench's own; other load on it skews the figures`);
  log(`target: ${target.describe} (Redis ${target.redisVersion}; ${target.pinning})`);
  const results: BenchResult[] = [];
  const started = Date.now();
  try {
    for (const w of args.workloads) {
      log(`\n${w.name}: ${w.about}`);
      const t0 = Date.now();
      results.push(...(await w.run(ctx)));
      log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await target.stop();
  }
  const machine = machineFacts(target, peer?.version);
  const targets = checkTargets(results);
  log(`\ntargets (${((Date.now() - started) / 1000).toFixed(0)} s in all):`);
  for (const t of targets)
    log(`  ${t.met === null ? '–     ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}`);
  if (!args['no-report']) {
    const date = new Date().toISOString().slice(0, 10);
    const args2 = process.argv.slice(2).join(' ');
    const command = args2 ? `npm run bench -- ${args2}` : 'npm run bench';
    const about = Object.fromEntries(args.workloads.map((w) => [w.name, w.about]));
    const path = writeBenchReport(args.report, args.subset, {
      date,
      command,
      machine,
      results,
      targets,
      charts,
      about,
    });
    log(`report: ${path}`);
  }
  if (args.json) process.stdout.write(JSON.stringify({ machine, results }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof UsageError) process.stderr.write(USAGE + '\n');
  process.exit(err instanceof UsageError ? 2 : 1);
});
