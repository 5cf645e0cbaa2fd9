/**
 * Serves the web console's static files under `/console/` from any Node
 * HTTP server: the local host (`npm start`) and `eddy console` both call
 * {@link serveConsole} first and fall through to the API when it answers
 * false. The console itself is a single page (hash routes), so three files
 * are all there is: `index.html`, `app.js`, `app.css`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildConsole, isStale, type ConsoleBundle } from './build.js';

/** Where the console lives on every server that serves it. */
export const CONSOLE_PATH = '/console';

let current: Promise<ConsoleBundle> | undefined;

/** The built console: built on first use, rebuilt when a source file changed (so editing the console needs only a reload). */
async function bundle(checkStale: boolean): Promise<ConsoleBundle> {
  if (current && checkStale) {
    const built = await current.catch(() => undefined);
    if (!built || isStale(built)) current = undefined;
  }
  if (!current) {
    const building = buildConsole();
    current = building;
    // A failed build is not cached: the next request tries again (after the source is fixed).
    building.catch(() => {
      if (current === building) current = undefined;
    });
  }
  return current;
}

/**
 * Answers a request under {@link CONSOLE_PATH}; resolves false (and touches
 * nothing) for any other path. `/console` redirects to `/console/`, so the
 * page's relative asset URLs resolve under it.
 */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return true;
  }
  if (path === CONSOLE_PATH) {
    res.writeHead(301, { location: `${CONSOLE_PATH}/${url.search}` }).end();
    return true;
  }
  const name = path.slice(CONSOLE_PATH.length + 1) || 'index.html';
  let built: ConsoleBundle;
  try {
    built = await bundle(name === 'index.html');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`the console failed to build:\n${message}\n`);
    return true;
  }
  const file = built.files.get(name);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no such console file: ${name}\n`);
    return true;
  }
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    etag: file.etag,
    // Revalidate every time: the files change whenever the console is rebuilt, and an ETag match costs one round trip.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Only this origin: the console talks to /v1 on the same host and loads nothing from elsewhere.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    vary: 'accept-encoding',
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzip : file.body;
  res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
