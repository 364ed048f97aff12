import { Option, type Command } from 'commander';
import type { ClientOptions } from '../client.js';

/** Options every client command shares: where the server is, and its key. */
export function withServer(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--url <url>', 'the durq server').env('DURQ_URL').default('http://127.0.0.1:8288'),
    )
    .addOption(
      new Option('--signing-key <key>', 'sent as Authorization: Bearer (production mode)').env(
        'DURQ_SIGNING_KEY',
      ),
    );
}

export function clientOf(o: { url: string; signingKey?: string }): ClientOptions {
  return { url: o.url, ...(o.signingKey !== undefined ? { signingKey: o.signingKey } : {}) };
}

export const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

export interface FunctionRun {
  run_id: string;
  function_slug?: string;
  function_id: string;
  status: string;
  run_started_at: string;
  ended_at: string | null;
  event_id: string | null;
  output?: unknown;
  /** durq's own: why a cancelled run was cancelled. */
  cancel_reason?: string;
}

export const RUN_STATUSES = ['Scheduled', 'Running', 'Completed', 'Failed', 'Cancelled', 'Skipped'];
