/**
 * durq's deterministic simulator: one seed replays one exact history of the real queue,
 * processor, executor and driver code (with real SDK apps in-process) against real Redis, with
 * faults, and checks the correctness contract.
 * Exit codes: 0 no violation; 1 a safety invariant was violated; 3 liveness (work did not drain);
 * 2 bad arguments or a crash of the simulator itself.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from './private-redis.js';
import { writeReport } from './report.js';
import {
  DEFAULT_OPTIONS,
  EXECUTOR_FAULTS,
  FAULT_FLAGS,
  NO_FAULTS,
  validateOptions,
  type FaultRates,
  type SimOptions,
} from './options.js';
import { runSimulation, START_MS, type SimResult } from './run.js';

const HELP = `Usage: npm run sim -- [options]

  --seed S            one seed: a number or any string, e.g. a git sha (default 42)
  --seeds A..B        every integer seed from A to B, with a summary (e.g. 1..200)
  --processes N       simulated processes, each running a processor (default ${DEFAULT_OPTIONS.processes})
  --items N           items the workload enqueues (default ${DEFAULT_OPTIONS.items})
  --runs N            runs the executor workload triggers through the real SDK (default ${DEFAULT_OPTIONS.runs}; 0: queue only)
  --duration MS       virtual ms of the safety phase, with faults (default ${DEFAULT_OPTIONS.durationMs})
  --liveness MS       virtual ms after faults stop within which all work must drain (default ${DEFAULT_OPTIONS.livenessMs})
  --concurrency N     worker slots per process (default ${DEFAULT_OPTIONS.concurrency})
  --lease MS          item lease (default ${DEFAULT_OPTIONS.leaseMs})
  --max-skew MS       clock-skew bound between processes, the queue's graceMs (default ${DEFAULT_OPTIONS.maxSkewMs})
  --check-every MS    virtual ms between full-state invariant checks (default ${DEFAULT_OPTIONS.checkEveryMs})
  --no-faults         turn every fault off (then set some back on with the flags below)
${Object.entries(FAULT_FLAGS)
  .map(
    ([k, flag]) =>
      `  --${flag.padEnd(28)}‰ (default ${DEFAULT_OPTIONS.faults[k as keyof FaultRates]})`,
  )
  .join('\n')}
  --redis URL         use this Redis instead of a private redis-server (only an empty DB, or --flush)
  --db N              the DB index to use on --redis (default 0)
  --flush             empty that DB first (never needed for the private server)
  --json              last stdout line: one JSON object (with --seeds: {runs, failedSeeds})
  --report DIR        write DIR/sim-<seed>.html with charts of the run
  --trace FILE        write every trace line (the history the trace hash covers) to FILE
  --help              this text
`;

/** The executor's faults (the SDK network, events, cancels, crashes), summed in the summary. */
const SDK_FAULTS: ReadonlySet<string> = new Set(EXECUTOR_FAULTS);

const EXIT = { ok: 0, violation: 1, usage: 2, liveness: 3 } as const;

function parse(argv: string[]) {
  const faultOptions = Object.fromEntries(
    Object.values(FAULT_FLAGS).map((f) => [f, { type: 'string' as const }]),
  );
  return parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      processes: { type: 'string' },
      items: { type: 'string' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      liveness: { type: 'string' },
      concurrency: { type: 'string' },
      lease: { type: 'string' },
      'max-skew': { type: 'string' },
      'check-every': { type: 'string' },
      'no-faults': { type: 'boolean' },
      redis: { type: 'string' },
      db: { type: 'string' },
      flush: { type: 'boolean' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      trace: { type: 'string' },
      help: { type: 'boolean' },
      ...faultOptions,
    },
    strict: true,
  }).values as Record<string, string | boolean | undefined>;
}

function int(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n))
    throw new Error(`--${name} takes an integer, got ${JSON.stringify(raw)}`);
  return n;
}

function optionsFor(values: Record<string, unknown>, seed: string): SimOptions {
  const faults: FaultRates = { ...(values['no-faults'] ? NO_FAULTS : DEFAULT_OPTIONS.faults) };
  for (const [k, flag] of Object.entries(FAULT_FLAGS))
    faults[k as keyof FaultRates] = int(values, flag, faults[k as keyof FaultRates]);
  const opts: SimOptions = {
    seed,
    processes: int(values, 'processes', DEFAULT_OPTIONS.processes),
    items: int(values, 'items', DEFAULT_OPTIONS.items),
    durationMs: int(values, 'duration', DEFAULT_OPTIONS.durationMs),
    livenessMs: int(values, 'liveness', DEFAULT_OPTIONS.livenessMs),
    concurrency: int(values, 'concurrency', DEFAULT_OPTIONS.concurrency),
    leaseMs: int(values, 'lease', DEFAULT_OPTIONS.leaseMs),
    maxSkewMs: int(values, 'max-skew', DEFAULT_OPTIONS.maxSkewMs),
    checkEveryMs: int(values, 'check-every', DEFAULT_OPTIONS.checkEveryMs),
    runs: int(values, 'runs', DEFAULT_OPTIONS.runs),
    faults,
  };
  validateOptions(opts);
  return opts;
}

function seedList(values: Record<string, unknown>): string[] {
  const range = values['seeds'];
  if (typeof range === 'string') {
    const m = /^(\d+)\.\.(\d+)$/.exec(range);
    if (!m || Number(m[1]) > Number(m[2]))
      throw new Error(`--seeds takes A..B with A <= B, got ${JSON.stringify(range)}`);
    const out: string[] = [];
    for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(String(s));
    return out;
  }
  const seed = values['seed'];
  if (seed !== undefined && (typeof seed !== 'string' || seed.length === 0))
    throw new Error('--seed takes a value');
  return [typeof seed === 'string' ? seed : '42'];
}

/** The Redis URL to use, and how to leave its DB empty for the next run. */
async function prepareRedis(
  values: Record<string, unknown>,
): Promise<{ url: string; reset: () => Promise<void>; stop: () => Promise<void> }> {
  if (typeof values['redis'] !== 'string') {
    const server = await startPrivateRedis();
    const client = new Redis(server.url);
    return {
      url: server.url,
      reset: async () => void (await client.flushdb()),
      stop: async () => {
        client.disconnect();
        await server.stop();
      },
    };
  }
  const db = int(values, 'db', 0);
  const url = new URL(values['redis']);
  url.pathname = `/${db}`;
  const client = new Redis(url.toString());
  const size = await client.dbsize();
  if (size > 0 && !values['flush']) {
    client.disconnect();
    throw new Error(
      `DB ${db} on ${values['redis']} holds ${size} keys: pick an empty --db, or pass --flush to empty it`,
    );
  }
  if (values['flush']) await client.flushdb();
  return {
    url: url.toString(),
    // Between seeds, remove only what the simulator wrote (its shard's keys).
    reset: async () => {
      const keys = await client.keys('{sim-*}:*');
      for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    },
    stop: async () => void client.disconnect(),
  };
}

function summaryLine(r: SimResult): string {
  const faults =
    Object.entries(r.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const status = r.violations.length === 0 ? 'ok' : `VIOLATION (${r.violations[0]!.invariant})`;
  const sdkFaults = Object.entries(r.faults)
    .filter(([k]) => SDK_FAULTS.has(k))
    .reduce((sum, [, v]) => sum + v, 0);
  const runs = r.runs
    ? `${r.runs.stories} stories: runs ${r.runs.byState.completed} completed, ${r.runs.byState.failed} failed, ${r.runs.byState.cancelled} cancelled, ${r.runs.byState.open} open; ${r.runs.stepsCommitted} steps committed, ${r.runs.sdkRequests} SDK requests, ${sdkFaults} SDK faults; ${gatesText(r.runs.gates)}; `
    : '';
  return `seed ${r.seed}: ${status}; ${runs}${r.items} items, ${r.completed} completed, ${r.failed} failed, ${r.lost} lost, ${r.duplicates} duplicate runs; duplicate enqueues met ${r.enqueuesMet.queued} queued, ${r.enqueuesMet.leased} leased, ${r.enqueuesMet.finished} finished; ${(r.virtualMs / 1000).toFixed(1)} s virtual in ${(r.wallMs / 1000).toFixed(2)} s; trace ${r.traceHash}; faults: ${faults}`;
}

function gatesText(g: NonNullable<SimResult['runs']>['gates']): string {
  return `${g.events} gate events: ${g.admitted} admitted, ${g.refused} refused by a rate limit, ${g.skipped} skipped, ${g.held} singleton-held, ${g.timeoutCancels} timeout cancels`;
}

function explain(r: SimResult): string {
  const v = r.violations[0]!;
  return [
    `  invariant: ${v.invariant}`,
    `  at virtual ${v.virtualMs - START_MS} ms: ${v.message}`,
    ...(r.violations.length > 1 ? [`  (${r.violations.length - 1} more violations)`] : []),
    '  trace before it:',
    ...r.traceTail.map((l) => `    ${l.length > 220 ? l.slice(0, 220) + '…' : l}`),
    `  reproduce with: npm run sim -- --seed ${r.seed}`,
  ].join('\n');
}

function progress(done: number, total: number, failed: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} seeds, ${failed} failed `,
  );
  if (done === total) process.stderr.write('\n');
}

async function main(): Promise<number> {
  let values: Record<string, unknown>;
  let seeds: string[];
  let base: SimOptions;
  try {
    values = parse(process.argv.slice(2));
    if (values['help']) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    seeds = seedList(values);
    base = optionsFor(values, seeds[0]!);
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const json = Boolean(values['json']);
  const redis = await prepareRedis(values);
  const runs: SimResult[] = [];
  try {
    if (!json)
      process.stdout.write(
        `durq sim: ${seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds`}; ${describe(base)}\n`,
      );
    for (const seed of seeds) {
      await redis.reset();
      const traceFd = typeof values['trace'] === 'string' ? openSync(values['trace'], 'w') : null;
      const r = await runSimulation(
        { ...base, seed },
        redis.url,
        seeds.length === 1 ? (f) => progress(Math.round(f * 100), 100, 0) : undefined,
        traceFd,
      ).finally(() => traceFd !== null && closeSync(traceFd));
      runs.push(r);
      if (!json)
        process.stdout.write(`${summaryLine(r)}\n${r.violations.length ? explain(r) + '\n' : ''}`);
      if (seeds.length > 1)
        progress(runs.length, seeds.length, runs.filter((x) => x.violations.length).length);
      if (typeof values['report'] === 'string') {
        mkdirSync(values['report'], { recursive: true });
        const path = join(values['report'], `sim-${seed}.html`);
        writeFileSync(path, writeReport(r));
        if (!json) process.stdout.write(`report: ${path}\n`);
      }
    }
  } finally {
    await redis.reset().catch(() => {});
    await redis.stop();
  }
  const failedSeeds = runs.filter((r) => r.violations.length > 0).map((r) => r.seed);
  if (json) {
    const strip = (r: SimResult) => ({ ...r, samples: undefined, limits: undefined });
    const out = seeds.length === 1 ? strip(runs[0]!) : { runs: runs.map(strip), failedSeeds };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else if (seeds.length > 1) {
    const wall = runs.reduce((s, r) => s + r.wallMs, 0);
    process.stdout.write(
      `${runs.length} seeds, ${failedSeeds.length} failed${failedSeeds.length ? ` (${failedSeeds.join(', ')})` : ''}; ${(wall / 1000).toFixed(1)} s of simulation\n`,
    );
  }
  if (failedSeeds.length === 0) return EXIT.ok;
  const onlyLiveness = runs.every((r) => r.violations.every((v) => v.invariant === 'liveness'));
  return onlyLiveness ? EXIT.liveness : EXIT.violation;
}

function describe(o: SimOptions): string {
  const on = Object.entries(o.faults)
    .filter(([, v]) => v > 0)
    .map(([k]) => k);
  return `${o.processes} processes, ${o.items} items, ${o.durationMs / 1000} s virtual + ${o.livenessMs / 1000} s to drain, lease ${o.leaseMs} ms, max skew ${o.maxSkewMs} ms, faults: ${on.length ? on.join(', ') : 'none'}`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sim crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT.usage);
  },
);
