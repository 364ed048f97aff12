import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../core/clock.js';
import { meta, notFound, replyError } from '../reply.js';
import { functionRunJson } from '../rest-shapes.js';
import type { ServerContext } from '../server-context.js';

/** `GET /v1/runs/:id`, `DELETE /v1/runs/:id`, `GET /v1/runs/:id/jobs` (reference §15). */
export function v1RunRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (req, reply) => {
    const run = await ctx.engine.getRun(req.params.id);
    if (run === null) return notFound(reply, 'run', req.params.id);
    return { data: functionRunJson(run, ctx.ids, 'Running'), metadata: meta(ctx, 3_000) };
  });

  app.delete<{ Params: { id: string } }>('/v1/runs/:id', async (req, reply) => {
    const run = await ctx.engine.getRun(req.params.id);
    if (run === null) return notFound(reply, 'run', req.params.id);
    if (!(await ctx.engine.cancel(req.params.id))) {
      const now = await ctx.engine.getRun(req.params.id);
      return replyError(
        reply,
        409,
        `run ${req.params.id} already ended (${now?.status ?? 'gone'})`,
      );
    }
    req.log.info({ run: req.params.id }, 'run cancelled');
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/v1/runs/:id/jobs', async (req) => {
    const jobs = await ctx.engine.jobsOf(req.params.id);
    const data = jobs.map((j, position) => ({
      JobID: j.id,
      at: isoTime(j.at),
      position,
      kind: j.kind,
      attempt: j.attempt,
      Raw: j.raw,
    }));
    return { data, metadata: meta(ctx, 5_000) };
  });
}
