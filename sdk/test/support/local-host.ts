/**
 * Integration-test support: one local host per test file (temp data dir,
 * maintenance off, logs kept in memory), and SDK clients for each transport
 * so every suite runs the same way over HTTPS and over Lambda invoke.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalHost } from '../../../local/host.js';
import { Eddy, type EddyOptions } from '../../src/client.js';

/** The transports every integration suite runs over. */
export const TRANSPORTS = ['http', 'lambda'] as const;

/** A transport name. */
export type TransportKind = (typeof TRANSPORTS)[number];

/** A running local host for one test file. */
export interface TestHost {
  readonly url: string;
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Starts a local host on a random port with a temp data dir. */
export async function startTestHost(): Promise<TestHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eddy-sdk-'));
  const logs: string[] = [];
  const host = await startLocalHost({ port: 0, dataDir, maintenanceIntervalMs: 0, logWrite: (line: string) => void logs.push(line) });
  return {
    url: host.url,
    logs,
    async stop() {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An SDK client talking to `url` (the local host, or a proxy in front of it) through `kind`. */
export function client(kind: TransportKind, url: string, options: Omit<EddyOptions, 'endpoint' | 'transport'> = {}): Eddy {
  return new Eddy({ ...options, endpoint: url, transport: kind });
}
