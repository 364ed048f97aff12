/**
 * The ingest workload's baseline: a bare fastify server (the framework durq serve is built on)
 * in a child process, answering `POST /e/:key` as durq does, `{"ids":[…],"status":200}` with
 * one new ULID per event in the body, without validating or storing anything. The same load
 * against it and against durq gives durq's figures as a fraction of what the machine, the
 * framework and the load generator allow.
 * argv[2]: JSON `{ port }`. Tells the parent (IPC) when it listens; SIGTERM closes it.
 */
import Fastify from 'fastify';
import { systemRandom, ulid } from '../../src/index.js';
import { tellParent } from '../harness/child.js';

const { port } = JSON.parse(process.argv[2]!) as { port: number };
const random = systemRandom();
const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
app.post('/e/:key', async (req) => {
  const n = Array.isArray(req.body) ? req.body.length : 1;
  const now = Date.now();
  return { ids: Array.from({ length: n }, () => ulid(now, random)), status: 200 };
});
try {
  await app.listen({ host: '127.0.0.1', port });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  tellParent({ type: 'ready' });
} catch (err) {
  tellParent({ type: 'error', message: String(err) });
  process.exit(1);
}
