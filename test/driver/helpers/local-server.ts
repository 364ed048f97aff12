import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A node:http server on a free loopback port, counting the sockets it accepted. */
export interface LocalServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Sockets accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts `server` (or a server for `handler`) on 127.0.0.1 and a port the OS picks. */
export async function startLocalServer(handler: RequestListener | Server): Promise<LocalServer> {
  const server = typeof handler === 'function' ? createServer(handler) : handler;
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const s = await startLocalServer(() => undefined);
  const port = Number(new URL(s.origin).port);
  await s.close();
  return port;
}

/** The body of an incoming request, as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers with a JSON (or text) body, status and headers. */
export function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
