import type { Command } from 'commander';
import { Option } from 'commander';
import { createEngine } from '../../executor/engine.js';
import { callServer, type ClientOptions } from '../client.js';
import { textTable } from '../table.js';
import { intArg, UsageError } from '../usage.js';

/** Options every client command shares: where the server is, and its key. */
function withServer(cmd: Command): Command {
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

function clientOf(o: { url: string; signingKey?: string }): ClientOptions {
  return { url: o.url, ...(o.signingKey !== undefined ? { signingKey: o.signingKey } : {}) };
}

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

interface FunctionRun {
  run_id: string;
  function_slug?: string;
  function_id: string;
  status: string;
  run_started_at: string;
  ended_at: string | null;
  event_id: string | null;
  output?: unknown;
}

const RUN_STATUSES = ['Scheduled', 'Running', 'Completed', 'Failed', 'Cancelled'];

export function addClientCommands(program: Command): void {
  withServer(
    program
      .command('sync')
      .description(
        'sync an app (register its functions) through a running server, or straight into Redis',
      )
      .argument(
        '<app-url>',
        'the URL the app serves the Inngest SDK on, e.g. http://localhost:3000/api/inngest',
      )
      .option('--redis <url>', 'sync straight into this Redis instead of through the server'),
  ).action(async (appUrl: string, o: { url: string; signingKey?: string; redis?: string }) => {
    let r: { app_id: string; functions: string[] };
    if (o.redis !== undefined) {
      if (!/^rediss?:\/\//.test(o.redis)) throw new UsageError('--redis must be a redis:// URL');
      const engine = await createEngine({
        redis: o.redis,
        process: false,
        openTelemetry: false,
        ...(o.signingKey !== undefined ? { signingKey: o.signingKey } : {}),
      });
      try {
        const app = await engine.registerApp(appUrl);
        r = { app_id: app.appId, functions: app.functions };
      } finally {
        await engine.close();
      }
    } else {
      r = (await callServer(clientOf(o), 'POST', '/v0/apps/sync', { url: appUrl })) as typeof r;
    }
    out(`synced app ${r.app_id}: ${r.functions.length} function(s)`);
    for (const id of r.functions) out(`  ${id}`);
  });

  withServer(
    program
      .command('send')
      .description('send an event; prints its internal ID')
      .argument('<name>', 'the event name, e.g. app/user.created')
      .argument('[data]', 'the event data as JSON', '{}')
      .option('--id <id>', "the event's own ID (its idempotency key)")
      .addOption(
        new Option('--event-key <key>', 'the event key (production mode)')
          .env('DURQ_EVENT_KEY')
          .default('NO_EVENT_KEY_SET'),
      )
      .option('--json', 'print the server reply as JSON'),
  ).action(
    async (
      name: string,
      data: string,
      o: { url: string; signingKey?: string; id?: string; eventKey: string; json?: boolean },
    ) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch (err) {
        throw new UsageError(`[data] is not valid JSON: ${(err as Error).message}`);
      }
      const event = { name, data: parsed, ...(o.id !== undefined ? { id: o.id } : {}) };
      const path = `/e/${encodeURIComponent(o.eventKey.split(',')[0] ?? '')}`;
      const reply = (await callServer(clientOf(o), 'POST', path, event)) as { ids: string[] };
      if (o.json) out(JSON.stringify(reply));
      else for (const id of reply.ids) out(id);
    },
  );

  withServer(
    program
      .command('runs')
      .description("list runs: an event's, or those of the latest events")
      .option('--event <id>', "the event's internal ID (as durq send prints it)")
      .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
      .option('--limit <n>', 'how many of the latest events to look at (1-51)', intArg(1, 51), 20)
      .option('--json', 'print JSON'),
  ).action(
    async (o: {
      url: string;
      signingKey?: string;
      event?: string;
      status?: string;
      limit: number;
      json?: boolean;
    }) => {
      const status =
        o.status === undefined
          ? undefined
          : RUN_STATUSES.find((s) => s.toLowerCase() === o.status?.toLowerCase());
      if (o.status !== undefined && status === undefined)
        throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}`);
      const client = clientOf(o);
      const eventIds =
        o.event !== undefined
          ? [o.event]
          : (
              (await callServer(client, 'GET', `/v1/events?limit=${o.limit}&received_after=0`)) as {
                data: { internal_id: string }[];
              }
            ).data.map((e) => e.internal_id);
      const runs: FunctionRun[] = [];
      for (const id of eventIds) {
        const r = (await callServer(
          client,
          'GET',
          `/v1/events/${encodeURIComponent(id)}/runs`,
        )) as {
          data: FunctionRun[];
        };
        runs.push(...r.data.filter((run) => status === undefined || run.status === status));
      }
      if (o.json) return out(JSON.stringify(runs, null, 2));
      if (runs.length === 0) return out('no runs');
      out(
        textTable(
          ['RUN', 'FUNCTION', 'STATUS', 'STARTED', 'ENDED', 'EVENT'],
          runs.map((r) => [
            r.run_id,
            r.function_slug ?? r.function_id,
            r.status,
            r.run_started_at,
            r.ended_at,
            r.event_id,
          ]),
        ),
      );
    },
  );

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
          ['status', d.status],
          ['started', d.run_started_at],
          ['ended', d.ended_at],
          ['event', d.event_id],
          ['output', d.output === undefined ? null : JSON.stringify(d.output)],
        ],
      ),
    );
  });

  withServer(program.command('cancel').description('cancel a run').argument('<run-id>')).action(
    async (runId: string, o: { url: string; signingKey?: string }) => {
      await callServer(clientOf(o), 'DELETE', `/v1/runs/${encodeURIComponent(runId)}`);
      out(`cancelled ${runId}`);
    },
  );
}
