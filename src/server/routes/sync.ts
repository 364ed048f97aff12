import type { FastifyInstance } from 'fastify';
import { isHttpUrl } from '../../core/http-url.js';
import { AppSyncError } from '../../driver/errors.js';
import { InvalidFunctionConfigError } from '../../executor/errors.js';
import { replyError } from '../reply.js';
import type { ServerContext } from '../server-context.js';

/**
 * App sync. `POST /fn/register` is the SDK's out-of-band sync (sdk-http-protocol §1.2, §1.4):
 * the SDK uses the `status` in the body, so a refusal puts it there. `POST /v0/apps/sync` is
 * durq's own: the server syncs the app at `url` in band (what `durq sync` and `--sdk-url` do).
 */
export function syncRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/fn/register', async (req, reply) => {
    const body = req.body as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return replyError(reply, 400, 'the sync body must be a JSON object');
    const expected = req.headers['x-inngest-expected-server-kind'];
    if (typeof expected === 'string' && expected !== '' && expected !== ctx.serverKind)
      return replyError(
        reply,
        400,
        `the SDK expects a ${expected} server; this durq server runs in ${ctx.serverKind === 'dev' ? 'dev' : 'production (cloud)'} mode`,
      );
    if (typeof body.appName !== 'string' || body.appName === '')
      return replyError(reply, 400, 'appName is required');
    if (!isHttpUrl(body.url))
      return replyError(reply, 400, 'url must be the http(s) URL the app serves the SDK on');
    try {
      const r = await ctx.engine.registerConfig(body, body.url);
      req.log.info({ app: r.appId, functions: r.functions.length }, 'app synced (out of band)');
      return { ok: true, modified: r.modified, app_id: r.appId };
    } catch (err) {
      if (err instanceof InvalidFunctionConfigError) return replyError(reply, 400, err.message);
      throw err;
    }
  });

  app.post('/v0/apps/sync', async (req, reply) => {
    const url = (req.body as { url?: unknown } | null)?.url;
    if (!isHttpUrl(url))
      return replyError(reply, 400, 'url must be the http(s) URL an app serves the SDK on');
    try {
      const r = await ctx.engine.registerApp(url);
      req.log.info({ app: r.appId, url, functions: r.functions.length }, 'app synced');
      return { app_id: r.appId, functions: r.functions };
    } catch (err) {
      if (err instanceof InvalidFunctionConfigError) return replyError(reply, 400, err.message);
      if (err instanceof AppSyncError) return replyError(reply, 502, err.message);
      throw err;
    }
  });
}
