import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { ApiError } from '@tokenwarden/api';

export const CONSOLE_PATH = '/console';
const ASSETS_PREFIX = `${CONSOLE_PATH}/assets/`;

/** The content type of each kind of file a Vite build writes; anything else is served as bytes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Only this server's own files, no inline script or style, calls to this server only: the
 * console runs offline and an injected script has nowhere to send what it reads.
 */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; " +
    "manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/** The built console: every file by its exact URL path, read once at start. */
export interface ConsoleSite {
  index: ConsoleFile;
  files: ReadonlyMap<string, ConsoleFile>;
}

/**
 * Reads the console's built files (`vite build`'s dist): the allow-list of what is served,
 * so no request path ever reaches the file system. Hashed assets are cached for a year
 * (a new build has new names), index.html never. Undefined when the console is not built.
 */
export function loadConsoleSite(dir: string): ConsoleSite | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && path !== 'index.html') {
        const hashed = path.startsWith('assets/');
        files.set(`${CONSOLE_PATH}/${path}`, {
          body: readFileSync(join(dir, path)),
          type: TYPES[extname(path)] ?? 'application/octet-stream',
          cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
        });
      }
    }
  };
  walk('');
  const index = { body: readFileSync(join(dir, 'index.html')), type: TYPES['.html'] as string, cacheControl: 'no-cache' };
  return { index, files };
}

/** The console package's build directory, found by package resolution; undefined when it is not installed. */
export async function defaultConsoleDir(): Promise<string | undefined> {
  // A name in a variable: the server may run without the console package (then there is no console).
  const specifier = '@tokenwarden/console/dist-path';
  try {
    const { consoleDistDir } = (await import(specifier)) as { consoleDistDir: string };
    return statSync(consoleDistDir, { throwIfNoEntry: false })?.isDirectory() ? consoleDistDir : undefined;
  } catch {
    return undefined;
  }
}

/** A client route of the console: plain segments (no empty, `.` or `..` one, nothing encoded). */
const CLIENT_ROUTE = /^\/console(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

/** Whether a path is the console's: /console and everything under it. */
export function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
}

/**
 * Serves a console path: a built file by its exact path, any other client route as
 * index.html (the app routes it), a missing asset as 404. Without a build, every console
 * path answers 404 with a message saying how to build it.
 */
export function serveConsole(req: IncomingMessage, res: ServerResponse, pathname: string, site: ConsoleSite | undefined): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    throw new ApiError('UNIMPLEMENTED', 'method.not_allowed');
  }
  if (!site) throw new ApiError('NOT_FOUND', 'not_found.console');
  const file = site.files.get(pathname) ?? (!pathname.startsWith(ASSETS_PREFIX) && CLIENT_ROUTE.test(pathname) ? site.index : undefined);
  if (!file) throw new ApiError('NOT_FOUND', 'not_found.route');
  res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': file.cacheControl, ...HEADERS });
  res.end(file.body);
}
