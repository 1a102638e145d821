import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawLister, ready } from './raw-core.js';

// P2: a minimal node:http endpoint over P0.
const list = rawLister(process.argv[2] ?? '');
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/v1/iam/oauth/tokens') {
    res.writeHead(404).end();
    return;
  }
  const { status, body } = list(req.headers.authorization, url.searchParams);
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
