import { Option, type Command } from 'commander';
import { LOG_LEVELS } from '../logger.js';
import { runServe } from '../serve.js';
import { DEFAULT_MAX_EVENT_BYTES, ROLES, serveConfig, type ServeFlags } from '../serve-config.js';
import { durationArg, httpUrlArg, intArg, listArg, positiveNumberArg } from '../usage.js';

const opt = (flags: string, description: string, env: string): Option =>
  new Option(flags, description).env(env);

/** Every option of `durq serve`, with its environment variable and default (see --help). */
const SERVE_OPTIONS: Option[] = [
  opt(
    '-p, --port <n>',
    'HTTP port (default 8288; a worker listens only if given)',
    'DURQ_PORT',
  ).argParser(intArg(0, 65535)),
  opt('--host <host>', 'interface to listen on', 'DURQ_HOST').default('127.0.0.1'),
  opt('--redis <url>', 'use this Redis (redis://…) instead of an embedded one', 'DURQ_REDIS_URL'),
  opt('--cluster <nodes>', 'use this Redis Cluster: seed nodes host:port,…', 'DURQ_CLUSTER'),
  opt('--shards <n>', 'queue shards (hash tags); only 1 for now', 'DURQ_SHARDS')
    .argParser(intArg(1, 1024))
    .default(1),
  opt('--data-dir <dir>', "the embedded Redis's data (append-only file)", 'DURQ_DATA_DIR').default(
    './.durq',
  ),
  opt(
    '-u, --sdk-url <url>',
    'an app to sync at start and when it restarts (repeatable)',
    'DURQ_SDK_URL',
  ).argParser((v: string, prev: string[] | undefined) => listArg(v, prev).map(httpUrlArg)),
  opt(
    '--signing-key <key>',
    'production mode: sign SDK requests, require keys',
    'DURQ_SIGNING_KEY',
  ),
  opt(
    '--signing-key-fallback <key>',
    'a second signing key (rotation)',
    'DURQ_SIGNING_KEY_FALLBACK',
  ),
  opt(
    '--event-key <key>',
    'production mode: an accepted event key (repeatable)',
    'DURQ_EVENT_KEY',
  ).argParser(listArg),
  opt('--role <role>', 'all: API and steps; api: API only; worker: steps only', 'DURQ_ROLE')
    .choices(ROLES)
    .default('all'),
  opt('--concurrency <n>', 'steps this process runs at once', 'DURQ_CONCURRENCY')
    .argParser(intArg(1, 100_000))
    .default(100),
  opt(
    '--shutdown-timeout <duration>',
    'how long running SDK calls may finish at shutdown',
    'DURQ_SHUTDOWN_TIMEOUT',
  )
    .argParser(durationArg)
    .default(30_000, '30s'),
  opt(
    '--lease-timeout <duration>',
    'how soon the steps of a process that died are taken over',
    'DURQ_LEASE_TIMEOUT',
  )
    .argParser(durationArg)
    .default(30_000, '30s'),
  opt('--backoff-scale <x>', 'multiplies the retry backoff (15s, 30s, 1m, …)', 'DURQ_BACKOFF_SCALE')
    .argParser(positiveNumberArg)
    .default(1),
  opt('--max-event-bytes <n>', 'largest event accepted (413 above)', 'DURQ_MAX_EVENT_BYTES')
    .argParser(intArg(1))
    .default(DEFAULT_MAX_EVENT_BYTES, '3 MiB'),
  opt(
    '--max-request-bytes <n>',
    'largest request body accepted (413 above)',
    'DURQ_MAX_REQUEST_BYTES',
  )
    .argParser(intArg(1))
    .default(10 * 1024 * 1024, '10 MiB'),
  opt('--log-level <level>', 'log level (JSON logs on stdout)', 'DURQ_LOG_LEVEL')
    .choices(LOG_LEVELS)
    .default('info'),
];

/** `durq serve`: resolves to its exit code through `exit`. */
export function addServeCommand(
  program: Command,
  version: string,
  exit: (code: number) => void,
): void {
  const cmd = program
    .command('serve')
    .description('run the durq server: an Inngest-compatible API and executor on Redis');
  for (const o of SERVE_OPTIONS) cmd.addOption(o);
  cmd.action(async (flags: ServeFlags) => {
    exit(await runServe(serveConfig(flags), version));
  });
}
