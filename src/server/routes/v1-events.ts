import type { FastifyInstance } from 'fastify';
import { isUlid } from '../../core/ulid.js';
import { parseIsoDateMs } from '../../executor/duration.js';
import { meta, notFound, replyError } from '../reply.js';
import { eventJson, functionRunJson } from '../rest-shapes.js';
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
      const limit = typeof q.limit === 'string' && /^-?\d+$/.test(q.limit) ? Number(q.limit) : NaN;
      if (!Number.isSafeInteger(limit)) return bad('limit', 'must be an integer');
      query.limit = Math.min(51, Math.max(1, limit));
    }
    if (q.cursor !== undefined) {
      if (typeof q.cursor !== 'string' || !isUlid(q.cursor))
        return bad('cursor', 'must be an event internal_id (a ULID)');
      query.cursor = q.cursor;
    }
    for (const [param, field] of [
      ['received_after', 'receivedAfter'],
      ['received_before', 'receivedBefore'],
    ] as const) {
      const value = q[param];
      if (value === undefined) continue;
      const ms = timeParam(value);
      if (ms === undefined) return bad(param, 'must be an RFC 3339 time or epoch ms, from 1970 on');
      query[field] = ms;
    }
    if (q.name !== undefined) {
      if (typeof q.name !== 'string' || q.name === '')
        return bad('name', 'must be one non-empty event name');
      query.name = q.name;
    }
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

/** Epoch ms from an RFC 3339 time or a number of ms; undefined unless a safe, non-negative one. */
function timeParam(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : parseIsoDateMs(value);
  return ms !== undefined && Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}
