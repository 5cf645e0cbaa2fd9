/**
 * Progress of a long `eddy produce --file`: a bar redrawn in place when
 * stderr is a terminal, a plain line every few seconds when it is a log
 * file or a pipe (so CI logs show progress without carriage-return noise).
 */
import type { WriteStream } from 'node:tty';

/** What the reporter is told. */
export interface ProgressState {
  /** Records acknowledged. */
  readonly records: number;
  /** Input bytes whose records were acknowledged. */
  readonly bytes: number;
}

const MB = 1_000_000;

/** Reports progress on stderr until `done`. */
export class Progress {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  private state: ProgressState = { records: 0, bytes: 0 };

  /**
   * @param totalBytes - the input's size, when known (a file).
   * @param stream - where to report (stderr).
   * @param intervalMs - how often; a terminal is redrawn faster than a log is written.
   */
  constructor(
    private readonly totalBytes: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    intervalMs: number = stream.isTTY ? 200 : 2000,
  ) {
    this.timer = setInterval(() => this.render(false), intervalMs);
    this.timer.unref();
  }

  /** Records the latest counters (rendered on the next tick). */
  update(state: ProgressState): void {
    this.state = state;
  }

  /** Stops reporting, drawing the final state. */
  done(): void {
    clearInterval(this.timer);
    this.render(true);
  }

  private render(final: boolean): void {
    const { records, bytes } = this.state;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const mbPerSecond = `${(bytes / MB / seconds).toFixed(1)} MB/s`;
    const size = this.totalBytes !== undefined ? `${(bytes / MB).toFixed(1)}/${(this.totalBytes / MB).toFixed(1)} MB` : `${(bytes / MB).toFixed(1)} MB`;
    const fraction = this.totalBytes ? Math.min(1, bytes / this.totalBytes) : undefined;
    const percent = fraction !== undefined ? `${Math.floor(fraction * 100)}%` : '';
    if (this.stream.isTTY) {
      const width = 24;
      const bar = fraction !== undefined ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${percent.padStart(4)}  ` : '';
      const line = `${bar}${records.toLocaleString('en-US')} records  ${size}  ${mbPerSecond}`;
      const columns = (this.stream as WriteStream).columns ?? 120;
      this.stream.write(`\r${line.slice(0, columns - 1)}\x1b[K${final ? '\n' : ''}`);
    } else {
      const recordsPerSecond = `${Math.round(records / seconds).toLocaleString('en-US')} records/s`;
      this.stream.write(`eddy: produced ${records} records, ${size}${percent ? ` (${percent})` : ''}, ${mbPerSecond}, ${recordsPerSecond}\n`);
    }
  }
}
