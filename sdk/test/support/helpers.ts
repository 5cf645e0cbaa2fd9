/** Small helpers shared by the SDK's tests. */
import type { Transport, TransportRequest, TransportRequestOptions, TransportResponse } from '../../src/transport/types.js';
import { EddyError } from '../../src/errors.js';

/** Polls `condition` until it holds, failing after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A loopback URL on which nothing listens (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

/** A unique name for topics and groups. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Wraps a transport with a kill switch that simulates the process dying:
 * once killed, every request (and every one already waiting) fails as a
 * dead network would, and nothing reaches the server any more.
 */
export class KillableTransport implements Transport {
  private killed = false;
  private readonly pending = new Set<() => void>();
  /** Requests forwarded, in order. */
  readonly sent: TransportRequest[] = [];

  constructor(private readonly inner: Transport) {}

  /** As the wrapped transport: the binary wire format passes through. */
  get binaryBodies(): boolean {
    return this.inner.binaryBodies === true;
  }

  kill(): void {
    this.killed = true;
    for (const abort of this.pending) abort();
  }

  async request(request: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    if (this.killed) {
      await new Promise((r) => setTimeout(r, 20));
      throw new EddyError('UNAVAILABLE', 'killed');
    }
    this.sent.push(request);
    const controller = new AbortController();
    const abort = (): void => controller.abort(new EddyError('UNKNOWN_OUTCOME', 'killed'));
    this.pending.add(abort);
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    try {
      const res = await this.inner.request(request, { ...options, signal });
      if (this.killed) throw new EddyError('UNKNOWN_OUTCOME', 'killed');
      return res;
    } catch (err) {
      if (this.killed) throw new EddyError('UNKNOWN_OUTCOME', 'killed');
      throw err;
    } finally {
      this.pending.delete(abort);
    }
  }

  close(): void {
    this.inner.close?.();
  }
}
