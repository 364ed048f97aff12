import { Option, type Command } from 'commander';
import { runServe } from '../serve.js';
import { DEFAULT_MAX_EVENT_BYTES, ROLES, serveConfig, type ServeFlags } from '../serve-config.js';
import { LOG_LEVELS } from '../logger.js';
import { durationArg, httpUrlArg, intArg, listArg, positiveNumberArg } from '../usage.js';

/** `durq serve`: every option, its environment variable and default, documented in --help. */
export function addServeCommand(
  program: Command,
  version: string,
  exit: (code: number) => void,
): void {
  const opt = (flags: string, description: string, env?: string) => {
    const o = new Option(flags, description);
    return env === undefined ? o : o.env(env);
  };
  program
    .command('serve')
    .description('run the durq server: an Inngest-compatible API and executor on Redis')
    .addOption(
      opt(
        '-p, --port <n>',
        'HTTP port (default 8288; a worker listens only if given)',
        'DURQ_PORT',
      ).argParser(intArg(0, 65535)),
    )
    .addOption(opt('--host <host>', 'interface to listen on', 'DURQ_HOST').default('127.0.0.1'))
    .addOption(
      opt(
        '--redis <url>',
        'use this Redis (redis://…) instead of an embedded one',
        'DURQ_REDIS_URL',
      ),
    )
    .addOption(
      opt('--cluster <nodes>', 'use this Redis Cluster: seed nodes host:port,…', 'DURQ_CLUSTER'),
    )
    .addOption(
      opt('--shards <n>', 'queue shards (hash tags); only 1 for now', 'DURQ_SHARDS')
        .argParser(intArg(1, 1024))
        .default(1),
    )
    .addOption(
      opt(
        '--data-dir <dir>',
        "the embedded Redis's data (append-only file)",
        'DURQ_DATA_DIR',
      ).default('./.durq'),
    )
    .addOption(
      opt(
        '-u, --sdk-url <url>',
        'an app to sync at start and re-sync when it restarts (repeatable)',
        'DURQ_SDK_URL',
      ).argParser((v: string, prev: string[] | undefined) => listArg(v, prev).map(httpUrlArg)),
    )
    .addOption(
      opt(
        '--signing-key <key>',
        'production mode: sign SDK requests, require keys on the API',
        'DURQ_SIGNING_KEY',
      ),
    )
    .addOption(
      opt(
        '--signing-key-fallback <key>',
        'a second signing key (rotation)',
        'DURQ_SIGNING_KEY_FALLBACK',
      ),
    )
    .addOption(
      opt(
        '--event-key <key>',
        'production mode: an accepted event key (repeatable)',
        'DURQ_EVENT_KEY',
      ).argParser(listArg),
    )
    .addOption(
      opt('--role <role>', 'all: API and steps; api: API only; worker: steps only', 'DURQ_ROLE')
        .choices(ROLES)
        .default('all'),
    )
    .addOption(
      opt('--concurrency <n>', 'steps this process runs at once', 'DURQ_CONCURRENCY')
        .argParser(intArg(1, 100_000))
        .default(100),
    )
    .addOption(
      opt(
        '--shutdown-timeout <duration>',
        'how long running SDK calls may finish at shutdown',
        'DURQ_SHUTDOWN_TIMEOUT',
      )
        .argParser(durationArg)
        .default(30_000, '30s'),
    )
    .addOption(
      opt(
        '--lease-timeout <duration>',
        "a step's lease: how soon another process takes over the steps of one that died",
        'DURQ_LEASE_TIMEOUT',
      )
        .argParser(durationArg)
        .default(30_000, '30s'),
    )
    .addOption(
      opt(
        '--backoff-scale <x>',
        'multiplies the retry backoff (15s, 30s, 1m, …); below 1 for tests',
        'DURQ_BACKOFF_SCALE',
      )
        .argParser(positiveNumberArg)
        .default(1),
    )
    .addOption(
      opt('--max-event-bytes <n>', 'largest event accepted (413 above)', 'DURQ_MAX_EVENT_BYTES')
        .argParser(intArg(1))
        .default(DEFAULT_MAX_EVENT_BYTES, '3 MiB'),
    )
    .addOption(
      opt(
        '--max-request-bytes <n>',
        'largest request body accepted (413 above)',
        'DURQ_MAX_REQUEST_BYTES',
      )
        .argParser(intArg(1))
        .default(10 * 1024 * 1024, '10 MiB'),
    )
    .addOption(
      opt('--log-level <level>', 'log level (JSON logs on stdout)', 'DURQ_LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .action(async (flags: ServeFlags) => {
      exit(await runServe(serveConfig(flags), version));
    });
}
