import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ApiError } from '@tokenwarden/api';
import { sendJson } from '../http-io.js';
import { buildOpenApiDocument, type JsonObject } from './document.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** swagger-ui-dist's documented `getAbsoluteFSPath()`, loaded without its 1.5 MB browser bundle. */
const swaggerUiDir = (createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string)();

/**
 * The only files served from swagger-ui-dist: a fixed list looked up by exact name, so no
 * request path ever reaches the file system.
 */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['favicon-16x16.png', 'image/png'],
]);

const ASSET_PREFIX = `${DOCS_PATH}/assets/`;
const INIT_PATH = `${DOCS_PATH}/init.js`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Tokenwarden API reference</title>
    <link rel="stylesheet" href="${ASSET_PREFIX}swagger-ui.css">
    <link rel="icon" type="image/png" href="${ASSET_PREFIX}favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${ASSET_PREFIX}favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSET_PREFIX}swagger-ui-bundle.js"></script>
    <script src="${INIT_PATH}"></script>
  </body>
</html>
`;

/** Swagger UI's start-up, as a file so the page runs under a CSP without inline scripts. */
const INIT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  defaultModelsExpandDepth: 1,
  persistAuthorization: false,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** Everything the page loads comes from this server; nothing from a CDN. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const cache = new Map<string, Buffer>();
function asset(name: string): Buffer {
  let data = cache.get(name);
  if (!data) {
    data = readFileSync(join(swaggerUiDir, name));
    cache.set(name, data);
  }
  return data;
}

function send(res: ServerResponse, type: string, body: string | Buffer, cacheControl: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': cacheControl,
    ...PAGE_HEADERS,
  });
  res.end(body);
}

let document: JsonObject | undefined;
/** The document of the server's route table, built once. */
export function openApiDocument(): JsonObject {
  document ??= buildOpenApiDocument();
  return document;
}

/**
 * Serves `GET /openapi.json`, the reference page `GET /docs` and the page's own assets.
 * Returns false for any other path; other methods on these paths answer 405.
 */
export function serveApiDocs(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  const known =
    path === OPENAPI_PATH ||
    path === DOCS_PATH ||
    path === INIT_PATH ||
    (path.startsWith(ASSET_PREFIX) && ASSETS.has(path.slice(ASSET_PREFIX.length)));
  if (!known) {
    if (path === `${DOCS_PATH}/`) {
      res.writeHead(308, { location: DOCS_PATH, 'content-length': 0 });
      res.end();
      return true;
    }
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    throw new ApiError('UNIMPLEMENTED', 'method.not_allowed');
  }
  if (path === OPENAPI_PATH) {
    sendJson(res, 200, openApiDocument(), { 'cache-control': 'no-cache' });
  } else if (path === DOCS_PATH) {
    send(res, 'text/html; charset=utf-8', PAGE, 'no-cache');
  } else if (path === INIT_PATH) {
    send(res, 'text/javascript; charset=utf-8', INIT, 'no-cache');
  } else {
    const name = path.slice(ASSET_PREFIX.length);
    send(res, ASSETS.get(name) as string, asset(name), 'public, max-age=86400');
  }
  return true;
}
