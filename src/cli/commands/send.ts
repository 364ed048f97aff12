import { Option, type Command } from 'commander';
import { callServer } from '../client.js';
import { UsageError } from '../usage.js';
import { clientOf, out, withServer } from './server-client.js';

/** `durq send <name> [data]`: POST /e/<key>; prints the internal IDs. */
export function addSendCommand(program: Command): void {
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
}
