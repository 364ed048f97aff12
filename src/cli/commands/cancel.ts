import type { Command } from 'commander';
import { callServer } from '../client.js';
import { clientOf, out, withServer } from './server-client.js';

/** `durq cancel <run-id>`: DELETE /v1/runs/:id. */
export function addCancelCommand(program: Command): void {
  withServer(program.command('cancel').description('cancel a run').argument('<run-id>')).action(
    async (runId: string, o: { url: string; signingKey?: string }) => {
      await callServer(clientOf(o), 'DELETE', `/v1/runs/${encodeURIComponent(runId)}`);
      out(`cancelled ${runId}`);
    },
  );
}
