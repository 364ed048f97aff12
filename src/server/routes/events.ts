import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidEventError } from '../../executor/errors.js';
import type { ServerContext } from '../server-context.js';
import { replyError } from '../reply.js';

/**
 * `POST /e/:key` (reference §15, sdk-http-protocol §6.1): one event or an array. The whole
 * request is checked before anything is stored, and stored all or nothing (stricter than
 * Inngest, which stores the events before the first bad one). The SDK reads the body's `status`.
 */
export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { key?: string } }>('/e', receive);
  app.post<{ Params: { key?: string } }>('/e/:key', receive);

  async function receive(
    req: FastifyRequest<{ Params: { key?: string } }>,
    reply: FastifyReply,
  ): Promise<unknown> {
    if (!ctx.keys.eventKeyAccepted(req.params.key ?? ''))
      return reply.code(401).send({ status: 401, message: '', error: 'Event key not found' });
    try {
      const { ids } = await ctx.engine.send(req.body);
      ctx.metrics.eventsAccepted.inc(ids.length);
      return { ids, status: 200 };
    } catch (err) {
      if (err instanceof InvalidEventError)
        return replyError(reply, err.tooLarge ? 413 : 400, err.message, { ids: [] });
      throw err;
    }
  }
}
