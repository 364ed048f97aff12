import type { FastifyReply } from 'fastify';
import { metadata } from './rest-shapes.js';
import type { ServerContext } from './server-context.js';

/** An error answer in the reference's shape: `{"status": <code>, "error": "<message>"}`. */
export function replyError(
  reply: FastifyReply,
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply.code(status).send({ ...extra, status, error });
}

/** A REST reply's `metadata`: when it was read, and how long a client may keep it. */
export function meta(ctx: ServerContext, cacheMs: number): Record<string, string> {
  return metadata(ctx.clock.now(), cacheMs);
}

/** 404 naming what was not found. */
export function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return replyError(reply, 404, `${what} ${id} not found`);
}
