/**
 * `eddy console`: the web console on 127.0.0.1 for any deployment. The
 * browser loads the console from this process and calls `/v1/*` on it; each
 * call is passed on through the SDK's transport, so it is SigV4-signed with
 * the user's AWS credentials exactly as every other `eddy` command signs
 * (or sent as a Lambda invocation with `--transport lambda`). Credentials
 * stay in this process: the browser never sees them, and nothing listens
 * beyond loopback.
 *
 * Because this process signs whatever reaches it, it only answers requests
 * addressed to itself (Host) and, when a browser says where a request comes
 * from (Origin), only those from its own page: another web page open in the
 * same browser cannot use it to call the API with your credentials.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EddyError, HttpTransport, type HttpMethod, type Transport } from '@eddy/sdk';
import { Command } from 'commander';
import { CONSOLE_PATH, serveConsole } from '../../console/serve.js';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { parseNonNegativeInt } from '../parse.js';

/** The console's port when none is given (the local host has 4000). */
export const DEFAULT_CONSOLE_PORT = 4100;

/** API requests larger than this are refused here, as API Gateway and the local host refuse them. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Long polls wait up to 20 s on the server; leave room for the round trip. */
const REQUEST_TIMEOUT_MS = 60_000;

const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PATCH', 'DELETE']);

interface ConsoleOptions {
  readonly port?: number;
}

/** The `console` command. */
export function consoleCommand(): Command {
  return examples(
    new Command('console')
      .description('serve the web console on 127.0.0.1; its API calls go to --endpoint, signed with your AWS credentials (SigV4) like every eddy command')
      .option('--port <port>', `local port, 0 picks a free one [default ${DEFAULT_CONSOLE_PORT}]`, parseNonNegativeInt)
      .action(action<ConsoleOptions>((ctx, _args, opts) => runConsole(ctx, opts))),
    'eddy console --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com',
    'AWS_PROFILE=ops eddy console --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com --port 4200',
    'eddy console --transport lambda --region eu-west-1',
    'eddy console            # against the local host on http://127.0.0.1:4000',
  );
}

/** A JSON error in the API's own envelope, for failures that happen here rather than in the API. */
function sendError(res: ServerResponse, status: number, code: string, message: string, retryable = false): void {
  const body = JSON.stringify({ error: { code, message, retryable } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Handles one request: the console's files, or an API call passed on
 * through `transport` and answered with the API's status and body.
 */
async function handle(transport: Transport, self: { host: string; origin: string }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A request for another host name (DNS rebinding) or from another page's script is not ours to sign.
  const host = req.headers.host ?? '';
  if (host !== self.host && host !== self.host.replace('127.0.0.1', 'localhost')) {
    sendError(res, 421, 'MISDIRECTED_REQUEST', `this console answers requests for ${self.host} only, not ${JSON.stringify(host)}`);
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== self.origin && origin !== self.origin.replace('127.0.0.1', 'localhost')) {
    sendError(res, 403, 'FORBIDDEN', `requests from ${origin} are refused: the console proxy signs requests from its own page only`);
    return;
  }
  const url = new URL(req.url ?? '/', self.origin);
  if (await serveConsole(req, res, url)) return;
  if (url.pathname === '/') {
    res.writeHead(302, { location: `${CONSOLE_PATH}/` }).end();
    return;
  }
  if (!url.pathname.startsWith('/v1/') && url.pathname !== '/health') {
    sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}: the console is at ${CONSOLE_PATH}/ and the API under /v1/`);
    return;
  }
  const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
  if (!METHODS.has(method)) {
    sendError(res, 405, 'INVALID_REQUEST', `method ${method} is not used by the API`);
    return;
  }
  const raw = await readBody(req);
  if (raw === undefined) {
    sendError(res, 413, 'MESSAGE_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    return;
  }
  let body: unknown;
  if (raw.length > 0) {
    // Cross-site forms cannot send JSON without a CORS preflight, which this server never grants.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendError(res, 415, 'INVALID_REQUEST', 'request bodies must be application/json');
      return;
    }
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendError(res, 400, 'INVALID_REQUEST', 'request body is not valid JSON');
      return;
    }
  }
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let answer;
  try {
    answer = await transport.request(
      { method, path: url.pathname, ...(url.search ? { query: Object.fromEntries(url.searchParams) } : {}), ...(body !== undefined ? { body } : {}) },
      { timeoutMs: REQUEST_TIMEOUT_MS, signal: abort.signal },
    );
  } catch (err) {
    if (abort.signal.aborted) return; // the browser went away (a long poll it no longer wants)
    // No answer from the API: say what the transport knows, in the API's envelope.
    const e = err instanceof EddyError ? err : undefined;
    sendError(res, 502, e?.code ?? 'UNAVAILABLE', e?.message ?? String(err), e?.retryable ?? true);
    return;
  }
  if (answer.body === null || answer.body === undefined) {
    res.writeHead(answer.status).end();
    return;
  }
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

async function runConsole(ctx: Context, opts: ConsoleOptions): Promise<number> {
  const transport = ctx.client.transport;
  // Resolve credentials now: `--signing always` without credentials fails here, before a browser is involved.
  const signing = transport instanceof HttpTransport ? await transport.isSigning() : undefined;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_CONSOLE_PORT, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const self = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(transport, self, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', `console proxy failure: ${String(err)}`);
      else res.destroy();
    });
  });
  const target = ctx.endpoint ?? 'the regional Lambda API';
  const how = signing === undefined ? 'invoking the functions directly' : signing ? 'signed with your AWS credentials (SigV4)' : 'unsigned';
  process.stderr.write(`Eddy console: ${self.origin}${CONSOLE_PATH}/\n  API calls go to ${target}, ${how}. Ctrl-C to stop.\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  return 0;
}
