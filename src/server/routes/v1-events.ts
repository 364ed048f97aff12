import type { FastifyInstance, FastifyReply } from 'fastify';
import { isUlid } from '../../core/ulid.js';
import { parseIsoDateMs } from '../../executor/duration.js';
import { replyError } from '../reply.js';
import { eventJson, functionRunJson, metadata } from '../rest-shapes.js';
import type { ServerContext } from '../server-context.js';

interface ListQuery {
  limit?: string;
  cursor?: string;
  received_after?: string;
  received_before?: string;
  name?: string;
}

/** `GET /v1/events`, `/v1/events/:id` and `/v1/events/:id/runs` (reference §15). */
export function v1EventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: ListQuery }>('/v1/events', async (req, reply) => {
    const q = req.query;
    const bad = (param: string, problem: string) =>
      replyError(reply, 400, `query parameter ${param} ${problem}`);
    const query: Parameters<ServerContext['engine']['listEvents']>[0] = {};
    if (q.limit !== undefined) {
      const limit = Number(q.limit);
      if (!Number.isInteger(limit)) return bad('limit', 'must be an integer');
      query.limit = Math.min(51, Math.max(1, limit));
    }
    if (q.cursor !== undefined) {
      if (!isUlid(q.cursor)) return bad('cursor', 'must be an event internal_id (a ULID)');
      query.cursor = q.cursor;
    }
    for (const [param, field] of [
      ['received_after', 'receivedAfter'],
      ['received_before', 'receivedBefore'],
    ] as const) {
      const value = q[param];
      if (value === undefined) continue;
      const ms = timeParam(value);
      if (ms === undefined) return bad(param, 'must be an RFC 3339 time or epoch ms');
      query[field] = ms;
    }
    if (q.name !== undefined) query.name = q.name;
    const events = await ctx.engine.listEvents(query);
    return { data: events.map((e) => eventJson(e, ctx.ids)), metadata: meta(ctx, 5_000) };
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', async (req, reply) => {
    const event = await ctx.engine.getEvent(req.params.id);
    if (event === null) return notFound(reply, 'event', req.params.id);
    return { data: eventJson(event, ctx.ids), metadata: meta(ctx, 5_000) };
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id/runs', async (req) => {
    const runIds = Object.keys(await ctx.engine.runsOf(req.params.id)).sort();
    const runs = await Promise.all(runIds.map((id) => ctx.engine.getRun(id)));
    const data = runs.flatMap((run) =>
      run === null ? [] : [functionRunJson(run, ctx.ids, 'Scheduled')],
    );
    return { data, metadata: meta(ctx, 15_000) };
  });
}

export function meta(ctx: ServerContext, cacheMs: number): Record<string, string> {
  return metadata(ctx.clock.now(), cacheMs);
}

export function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return replyError(reply, 404, `${what} ${id} not found`);
}

function timeParam(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  return parseIsoDateMs(value);
}
