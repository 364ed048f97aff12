import type { FastifyReply } from 'fastify';

/** An error answer in the reference's shape: `{"status": <code>, "error": "<message>"}`. */
export function replyError(
  reply: FastifyReply,
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply.code(status).send({ ...extra, status, error });
}
