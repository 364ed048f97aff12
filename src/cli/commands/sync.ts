import type { Command } from 'commander';
import { createEngine } from '../../executor/engine.js';
import { callServer } from '../client.js';
import { UsageError } from '../usage.js';
import { clientOf, out, withServer } from './server-client.js';

/** `durq sync <app-url>`: through the server (in band), or straight into Redis. */
export function addSyncCommand(program: Command): void {
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
}
