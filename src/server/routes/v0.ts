import type { FastifyInstance } from 'fastify';
import { replyError } from '../reply.js';
import type { ServerContext } from '../server-context.js';

/**
 * `/v0/runs/:id/…`: what the SDK fetches when a request came with `use_api` (its state was too
 * large to send), and the legacy cancel. 410 once the run's state is gone, as Inngest answers.
 */
export function v0Routes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string } }>('/v0/runs/:id/actions', async (req, reply) => {
    const data = await ctx.engine.runData(req.params.id);
    if (data === null) return replyError(reply, 410, `run ${req.params.id} has no state`);
    return data.actions;
  });

  app.get<{ Params: { id: string } }>('/v0/runs/:id/batch', async (req, reply) => {
    const data = await ctx.engine.runData(req.params.id);
    if (data === null) return replyError(reply, 410, `run ${req.params.id} has no state`);
    return data.events;
  });

  app.delete<{ Params: { id: string } }>('/v0/runs/:id', async (req, reply) => {
    if ((await ctx.engine.getRun(req.params.id)) === null)
      return replyError(reply, 404, `run ${req.params.id} not found`);
    await ctx.engine.cancel(req.params.id);
    return reply.code(204).send();
  });
}
