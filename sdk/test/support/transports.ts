/**
 * Integration-test support: SDK clients for each transport, so every suite
 * runs the same way over HTTPS and over Lambda invoke. The local host they
 * talk to comes from the one host helper, test/helpers/host.ts.
 */
import { Eddy, type EddyOptions } from '../../src/client.js';

/** The transports every integration suite runs over. */
export const TRANSPORTS = ['http', 'lambda'] as const;

/** A transport name. */
export type TransportKind = (typeof TRANSPORTS)[number];

/** An SDK client talking to `url` (the local host, or a proxy in front of it) through `kind`. */
export function client(kind: TransportKind, url: string, options: Omit<EddyOptions, 'endpoint' | 'transport'> = {}): Eddy {
  return new Eddy({ ...options, endpoint: url, transport: kind });
}
