import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

/**
 * `GET /health`: 200 when Redis answers and, in a process that runs steps, its processor runs;
 * else 503. `GET /metrics`: Prometheus text format.
 */
export function healthRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  role: 'all' | 'api' | 'worker',
): void {
  app.get('/health', async (_req, reply) => {
    const h = await ctx.engine.health().catch(() => ({ redis: false, processing: false }));
    const ok = h.redis && (role === 'api' || h.processing);
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', role, redis: h.redis, processing: h.processing });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
