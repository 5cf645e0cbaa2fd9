/**
 * A loopback HTTP proxy in front of the local host that injects the faults a
 * network causes after a request was sent: it forwards a matching request,
 * lets the server apply it, then destroys the client's connection instead of
 * returning the answer (or holds the answer past the client's time limit).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** What to do with a request. */
export type ProxyFault = 'reset-after-apply' | 'delay-after-apply' | undefined;

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Requests that reached the upstream, with the fault applied to each. */
  readonly forwarded: { method: string; path: string; fault: ProxyFault; status?: number }[];
  /** Decides the fault of each request. */
  rule: (method: string, path: string) => ProxyFault;
  /** How long `delay-after-apply` holds the answer. */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts a proxy forwarding to `upstream`. */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    forwarded: [],
    rule: () => undefined,
    delayMs: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fault = proxy.rule(req.method ?? 'GET', req.url ?? '/');
      const entry: FaultProxy['forwarded'][number] = { method: req.method ?? 'GET', path: req.url ?? '/', fault };
      proxy.forwarded.push(entry);
      const headers = { ...req.headers, host: target.host };
      // A fresh upstream connection per request (agent: false): a pooled one the host already closed would add a fault of its own.
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, connection: 'close' }, agent: false }, (upRes: IncomingMessage) => {
        const body: Buffer[] = [];
        upRes.on('data', (c: Buffer) => body.push(c));
        upRes.on('end', () => {
          entry.status = upRes.statusCode;
          const reply = (): void => {
            if (res.destroyed) return;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          };
          if (fault === 'reset-after-apply') req.socket.destroy();
          else if (fault === 'delay-after-apply') setTimeout(reply, proxy.delayMs);
          else reply();
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (proxy as { url: string }).url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return proxy;
}

/** True for a produce request, through either transport. */
export function isProduce(method: string, path: string): boolean {
  return method === 'POST' && (/^\/v1\/topics\/[^/]+\/records/.test(path) || path.startsWith('/2015-03-31/functions/eddy-produce/'));
}
