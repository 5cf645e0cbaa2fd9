/**
 * Writing to stdout the way a pipeline expects: waiting when the reader is
 * slower than us (so `eddy consume big | slow-tool` does not buffer the
 * topic in memory), and treating a reader that went away (`| head`) as a
 * request to stop, not as a crash.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A writer of stdout-bound bytes with back-pressure and closed-pipe detection. */
export class Output {
  private closedFlag = false;
  private readonly listeners: (() => void)[] = [];

  /** @param stream - where to write (stdout). */
  constructor(private readonly stream: Writable = process.stdout) {
    // EPIPE: the reader closed the pipe. Any other write error is as final; stop quietly either way.
    stream.on('error', () => this.close());
  }

  /** True once the reader went away. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Calls `listener` once when the reader goes away. */
  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.listeners.push(listener);
  }

  /** Writes bytes or text; resolves when the stream can take more. */
  async write(chunk: Buffer | string): Promise<void> {
    if (this.closedFlag) return;
    if (this.stream.write(chunk)) return;
    await Promise.race([once(this.stream, 'drain'), new Promise<void>((resolve) => this.onClose(resolve))]).catch(() => undefined);
  }

  /** Resolves when everything written has been handed to the OS. */
  async end(): Promise<void> {
    if (this.closedFlag || this.stream.writableLength === 0) return;
    await Promise.race([once(this.stream, 'drain'), new Promise<void>((resolve) => this.onClose(resolve))]).catch(() => undefined);
  }

  private close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const l of this.listeners.splice(0)) l();
  }
}
