import Fastify from 'fastify';
import { ready } from './raw-core.js';
import { rawPgLister } from './raw-core-pg.js';

// P3-pg: a minimal Fastify endpoint over P0-pg (no logger, as LOG_LEVEL=warn silences request logs elsewhere).
const list = rawPgLister(process.argv[2] ?? '');
const app = Fastify({ logger: false });
app.get('/v1/iam/oauth/tokens', (req, reply) => {
  const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
  list(req.headers.authorization, query).then(
    ({ status, body }) => void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body)),
    () => void reply.code(500).send('{"code":13,"message":"internal","details":[]}'),
  );
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  const address = app.server.address();
  ready(typeof address === 'object' && address ? address.port : 0);
});
process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => list.close())
      .then(() => process.exit(0)),
);
