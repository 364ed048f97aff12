import type { Command } from 'commander';
import { callServer } from '../client.js';
import { textTable } from '../table.js';
import { clientOf, out, withServer, type FunctionRun } from './server-client.js';

/** `durq run <id>`: one run (GET /v1/runs/:id). */
export function addRunCommand(program: Command): void {
  withServer(
    program
      .command('run')
      .description('show one run')
      .argument('<run-id>')
      .option('--json', 'print JSON'),
  ).action(async (runId: string, o: { url: string; signingKey?: string; json?: boolean }) => {
    const r = (await callServer(clientOf(o), 'GET', `/v1/runs/${encodeURIComponent(runId)}`)) as {
      data: FunctionRun;
    };
    if (o.json) return out(JSON.stringify(r.data, null, 2));
    const d = r.data;
    out(
      textTable(
        ['FIELD', 'VALUE'],
        [
          ['run', d.run_id],
          ['function', d.function_slug ?? d.function_id],
          ['status', d.cancel_reason ? `${d.status} (${d.cancel_reason})` : d.status],
          ['started', d.run_started_at],
          ['ended', d.ended_at],
          ['event', d.event_id],
          ['output', d.output === undefined ? null : JSON.stringify(d.output)],
        ],
      ),
    );
  });
}
