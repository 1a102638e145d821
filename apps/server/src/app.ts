import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter, ApiError, createCaller, createContext, describeError, type Deps } from '@tokenwarden/api';
import { pickLanguage } from '@tokenwarden/contracts';
import { closeDatabase } from '@tokenwarden/db';
import type { Logger } from 'pino';
import { sendJson } from './http-io.js';
import { serveApiDocs } from './openapi/docs-routes.js';
import { matchRoute, REST_ROUTES, type RestRoute } from './rest.js';

export interface App {
  server: Server;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the db. */
  close(): Promise<void>;
}

export interface AppOptions {
  deps: Deps;
  log: Logger;
  shutdownGraceMs?: number;
  /** Releases what the deps hold besides the db (e.g. the count worker); runs before the db closes. */
  onClose?: () => Promise<void> | void;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function createApp({ deps, log, shutdownGraceMs = 10_000, onClose }: AppOptions): App {
  const contextFor = (req: IncomingMessage) =>
    createContext(deps, {
      authorization: headerValue(req.headers.authorization),
      acceptLanguage: headerValue(req.headers['accept-language']),
    });

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: 64 * 1024,
    createContext: ({ req }) => contextFor(req),
    responseMeta: ({ errors, ctx }) => {
      const challenge = errors
        .map((e) => describeError(e, ctx?.lang ?? 'en').wwwAuthenticate)
        .find((c) => c !== undefined);
      return challenge ? { headers: { 'www-authenticate': challenge, 'cache-control': 'no-store' } } : {};
    },
  });

  const healthProbe = deps.db.$client.prepare('SELECT 1');
  let closing = false;
  /** Responses not yet sent: told to close their connection when shutdown starts. */
  const inFlight = new Set<ServerResponse>();

  async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, route: RestRoute, params: Record<string, string>) {
    const ctx = contextFor(req);
    const result = await route.handle({ req, query: url.searchParams, params, caller: createCaller(ctx) });
    sendJson(res, 200, result);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (closing) res.setHeader('connection', 'close');
    if (url.pathname === '/healthz' && req.method === 'GET') {
      healthProbe.get();
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (url.pathname.startsWith('/trpc/')) {
      trpc(req, res);
      return;
    }
    if (serveApiDocs(req, res, url)) return;
    const match = matchRoute(REST_ROUTES, req.method ?? 'GET', url.pathname);
    if (!match) throw new ApiError('NOT_FOUND', 'not_found.route');
    if ('allowed' in match) {
      res.setHeader('allow', match.allowed.join(', '));
      throw new ApiError('UNIMPLEMENTED', 'method.not_allowed');
    }
    await handleRest(req, res, url, match.route, match.params);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const reqId = headerValue(req.headers['x-request-id']) ?? randomUUID();
    res.setHeader('x-request-id', reqId);
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    res.on('finish', () => {
      log.info(
        {
          req_id: reqId,
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 100) / 100,
        },
        'request',
      );
    });
    handle(req, res).catch((error: unknown) => {
      const lang = pickLanguage(headerValue(req.headers['accept-language']));
      const described = describeError(error, lang);
      if (described.internal) log.error({ req_id: reqId, err: error }, 'internal error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(
        res,
        described.httpStatus,
        described.body,
        described.wwwAuthenticate ? { 'www-authenticate': described.wwwAuthenticate } : {},
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await onClose?.();
      closeDatabase(deps.db);
    },
  };
}
