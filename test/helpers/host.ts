/** Test helpers: a local host on a free port in a temp dir, and a tiny JSON HTTP client. */
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../local/host.js';
import { tempDir } from './standins.js';

/** A local host with a temp data dir, quiet logs and maintenance off unless asked. */
export async function testHost(options: LocalHostOptions = {}): Promise<LocalHost & { dataDir: string; logs: string[]; cleanup: () => Promise<void> }> {
  const tmp = options.dataDir ? undefined : tempDir('eddy-host-');
  const logs: string[] = [];
  const host = await startLocalHost({ port: 0, maintenanceIntervalMs: 0, logWrite: (l) => logs.push(l), ...options, dataDir: options.dataDir ?? tmp!.dir });
  return {
    ...host,
    close: () => host.close(),
    runMaintenance: () => host.runMaintenance(),
    dataDir: options.dataDir ?? tmp!.dir,
    logs,
    cleanup: async () => {
      await host.close();
      tmp?.remove();
    },
  };
}

/** A JSON response. */
export interface JsonResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions inspect arbitrary JSON
  headers: Headers;
}

/** Sends a request; `body` objects are JSON-encoded, strings and bytes sent as they are. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A unique name per test. */
let counter = 0;
export const unique = (label: string): string => `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
