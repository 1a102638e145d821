import Fastify from 'fastify';
import { rawLister, ready } from './raw-core.js';

// P3: a minimal Fastify endpoint over P0 (no logger, as LOG_LEVEL=warn silences request logs elsewhere).
const list = rawLister(process.argv[2] ?? '');
const app = Fastify({ logger: false });
app.get('/v1/iam/oauth/tokens', (req, reply) => {
  const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
  const { status, body } = list(req.headers.authorization, query);
  void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  const address = app.server.address();
  ready(typeof address === 'object' && address ? address.port : 0);
});
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
