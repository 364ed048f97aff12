import type { Command } from 'commander';
import { callServer } from '../client.js';
import { textTable } from '../table.js';
import { intArg, UsageError } from '../usage.js';
import { clientOf, out, RUN_STATUSES, withServer, type FunctionRun } from './server-client.js';

/** `durq runs`: the runs of an event, or of the latest events, as a table or JSON. */
export function addRunsCommand(program: Command): void {
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
      // The events' run lists at once, kept in the events' order (newest first).
      const lists = await Promise.all(
        eventIds.map(
          (id) =>
            callServer(client, 'GET', `/v1/events/${encodeURIComponent(id)}/runs`) as Promise<{
              data: FunctionRun[];
            }>,
        ),
      );
      const runs = lists
        .flatMap((r) => r.data)
        .filter((run) => status === undefined || run.status === status);
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
}
