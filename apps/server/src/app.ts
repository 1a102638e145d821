import { randomUUID } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter, ApiError, createContext, describeError, UNAVAILABLE_RETRY_AFTER_SECONDS, type Deps } from '@tokenwarden/api';
import { pickLanguage } from '@tokenwarden/contracts';
import type { Logger } from 'pino';
import { type ConsoleSite, defaultConsoleDir, isConsolePath, loadConsoleSite, serveConsole } from './console-routes.js';
import { MAX_BODY_BYTES, OAUTH_HEADERS, RequestTarget, sendJson } from './http-io.js';
import { serveApiDocs } from './openapi/docs-routes.js';
import { matchRoute, REST_ROUTES } from './rest.js';
import { callHeaders, serveSingleCall } from './trpc-single-call.js';

export interface App {
  server: Server;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the store. */
  close(): Promise<void>;
  /** The web console's built files, read at the first call; undefined when it is not built. */
  consoleSite(): Promise<ConsoleSite | undefined>;
}

export interface AppOptions {
  deps: Deps;
  log: Logger;
  shutdownGraceMs?: number;
  /** Releases what the caller holds besides the store; runs before the store closes. */
  onClose?: () => Promise<void> | void;
  /**
   * Where the built web console is (served at /console): by default the
   * `@tokenwarden/console` package's build, found by package resolution; `null` for none.
   */
  consoleDir?: string | null;
  /**
   * Single tRPC calls served without tRPC's adapter, answered as it would (default true;
   * see trpc-single-call.ts). False sends every call through the adapter: the test that
   * holds the two to the same answers runs one server of each.
   */
  trpcSingleCalls?: boolean;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function createApp({ deps, log, shutdownGraceMs = 10_000, onClose, consoleDir, trpcSingleCalls = true }: AppOptions): App {
  let site: Promise<ConsoleSite | undefined> | undefined;
  const consoleSite = () =>
    (site ??= (async () => {
      const dir = consoleDir === undefined ? await defaultConsoleDir() : (consoleDir ?? undefined);
      return dir === undefined ? undefined : loadConsoleSite(dir);
    })());

  const contextFor = (req: IncomingMessage, res: ServerResponse) =>
    createContext(deps, {
      authorization: headerValue(req.headers.authorization),
      acceptLanguage: headerValue(req.headers['accept-language']),
      // The TCP peer: behind a proxy that is the proxy (X-Forwarded-For is not trusted).
      clientAddress: req.socket.remoteAddress,
      userAgent: headerValue(req.headers['user-agent']),
      requestId: (res as AppResponse).requestId,
    });

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res }) => contextFor(req, res),
    responseMeta: ({ paths, errors, ctx }) => {
      const headers = callHeaders(paths, errors, ctx?.lang ?? 'en');
      return headers === undefined ? {} : { headers };
    },
  });

  // Nothing changes a logger's level once createLogger has made it, so whether request lines
  // are written is read once: with info off, a request sets up no log listener at all.
  const logRequests = log.isLevelEnabled('info');
  let closing = false;

  /**
   * Headers every response carries, added where its head is written (explicitly, or
   * implicitly by write/end as the tRPC adapter does), so nothing is set up per request:
   * the request's id, and once shutdown has started, `connection: close`. A head given as
   * an object gets them written into it: every such object in this server is built for its
   * one response (sendJson's, the docs routes'). Not setHeader, which makes Node merge the
   * object's headers one setHeader at a time, nor a spread copy: each cost a small list
   * request about 3% of its time.
   */
  class AppResponse extends ServerResponse {
    /** Sent as `x-request-id`: the caller's own, or one made for this request. */
    requestId = '';

    override writeHead(
      statusCode: number,
      reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
      headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
    ): this {
      if (!this.headersSent) {
        const head = typeof reason === 'object' ? reason : headers;
        if (head !== undefined && !Array.isArray(head) && Object.isExtensible(head)) {
          head['x-request-id'] = this.requestId;
          if (closing) head.connection = 'close';
        } else {
          this.setHeader('x-request-id', this.requestId);
          if (closing) this.setHeader('connection', 'close');
        }
      }
      // Both of Node's forms passed on as given: Node tells them apart by the reason's type.
      return super.writeHead(statusCode, reason as string | undefined, headers);
    }
  }

  function sendError(
    req: IncomingMessage,
    res: ServerResponse,
    reqId: string,
    error: unknown,
    extraHeaders?: Readonly<Record<string, string>>,
  ): void {
    if ((error as { code?: unknown } | undefined)?.code === 'ECONNRESET' || req.socket?.destroyed === true) {
      // The client went away (an aborted upload, a closed connection): nothing to answer,
      // and no fault of ours. (Not `req.destroyed`: a request whose body was read, or that
      // we stopped reading, is destroyed too.)
      log.info({ req_id: reqId, event: 'request.aborted', method: req.method, path: (req.url ?? '').split('?')[0] }, 'request aborted by the client');
      res.destroy();
      return;
    }
    const lang = pickLanguage(headerValue(req.headers['accept-language']));
    const described = describeError(error, lang);
    if (described.internal) log.error({ req_id: reqId, err: error }, 'internal error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let headers: Record<string, string> | undefined = extraHeaders && { ...extraHeaders };
    if (described.wwwAuthenticate) headers = { ...headers, 'www-authenticate': described.wwwAuthenticate };
    if (described.retryAfter !== undefined) headers = { ...headers, 'retry-after': String(described.retryAfter) };
    sendJson(res, described.httpStatus, described.body, headers);
  }

  /** 200 when the database answers; 503 (with Retry-After) while it does not. */
  async function serveHealth(res: ServerResponse): Promise<void> {
    try {
      await deps.store.ping();
      sendJson(res, 200, { status: 'ok' });
    } catch (error) {
      const described = describeError(error, 'en');
      if (described.internal) log.error({ err: error }, 'health probe failed');
      const retry = String(described.retryAfter ?? UNAVAILABLE_RETRY_AFTER_SECONDS);
      sendJson(res, 503, { status: 'unavailable', reason: described.internal ? 'internal' : described.body.message }, { 'retry-after': retry });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, reqId: string): Promise<void> {
    try {
      // HTTP/1.1 requires Host (RFC 9112 3.2); Node's own refusal would carry no JSON body.
      if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
        throw ApiError.invalid([{ field: 'host', reason: 'required' }]);
      }
      const target = new RequestTarget(req.url ?? '/');
      const { pathname } = target;
      if (pathname === '/healthz') {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.setHeader('allow', 'GET, HEAD');
          throw new ApiError('UNIMPLEMENTED', 'method.not_allowed');
        }
        await serveHealth(res);
        return;
      }
      if (pathname.startsWith('/trpc/')) {
        // tRPC serves GET and POST; any other method is the 405 REST answers, in tRPC's envelope.
        if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
          const lang = pickLanguage(headerValue(req.headers['accept-language']));
          const { body } = describeError(new ApiError('UNIMPLEMENTED', 'method.not_allowed'), lang);
          const envelope = {
            code: -32005,
            message: body.message,
            data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405, path: pathname.slice(6), rpc: body },
          };
          sendJson(res, 405, { error: envelope }, { allow: 'GET, POST' });
          return;
        }
        if (trpcSingleCalls && serveSingleCall(req, res, target, contextFor)) return;
        // Streaming (JSONL) answers are not what the typed client speaks: every batch answers as JSON.
        delete req.headers['trpc-accept'];
        trpc(req, res);
        return;
      }
      // The route table is asked before the docs, which take a URL, so a REST call parses none.
      // They share no path (test/rest.test.ts holds them to it): the order changes no answer.
      const match = matchRoute(REST_ROUTES, req.method ?? 'GET', pathname);
      if (match && 'allowed' in match) {
        res.setHeader('allow', match.allowed.join(', '));
        throw new ApiError('UNIMPLEMENTED', 'method.not_allowed');
      }
      if (match) {
        const query = new URLSearchParams(target.search);
        const extra = match.route.op.oauth ? OAUTH_HEADERS : undefined;
        let result: unknown;
        try {
          result = await match.route.handle({ req, query, params: match.params, ctx: contextFor(req, res) });
        } catch (error) {
          sendError(req, res, reqId, error, extra);
          return;
        }
        sendJson(res, 200, result, extra);
        return;
      }
      if (serveApiDocs(req, res, target.url())) return;
      if (isConsolePath(pathname)) {
        serveConsole(req, res, pathname, await consoleSite());
        return;
      }
      throw new ApiError('NOT_FOUND', 'not_found.route');
    } catch (error) {
      sendError(req, res, reqId, error);
    }
  }

  // Typed as a plain Server for App's callers; every response it makes is an AppResponse.
  // requireHostHeader off: a request without Host is answered by the routes (as any other), not dropped by Node.
  const server = createServer({ ServerResponse: AppResponse as typeof ServerResponse, requireHostHeader: false }, (req, res) => {
    const sentId = headerValue(req.headers['x-request-id']);
    const reqId = sentId !== undefined && sentId.trim() !== '' ? sentId : randomUUID();
    (res as AppResponse).requestId = reqId;
    if (logRequests) {
      const started = performance.now();
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
    }
    void handle(req, res, reqId);
  });
  // A request Node's parser rejects before it reaches us (a bad method, header or framing,
  // headers over the limit, a timeout) still gets a google.rpc.Status body and a request id.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const payload = JSON.stringify(describeError(ApiError.invalid([{ field: 'request', reason: 'invalid' }]), 'en').body);
    // A HEAD request (as far as the parser read it) gets the head alone.
    const isHead = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    const reqId = randomUUID();
    log.info({ req_id: reqId, event: 'request.rejected', code: err.code, status }, 'malformed HTTP request rejected');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(payload)}\r\ncache-control: no-store\r\nx-request-id: ${reqId}\r\nconnection: close\r\n\r\n${isHead ? '' : payload}`,
    );
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    server,
    consoleSite,
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
      await deps.store.close();
    },
  };
}
