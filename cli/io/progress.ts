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

/** Sizes in MiB, as every other size the CLI prints (`1 MiB` per record, …). */
const MIB = 1024 * 1024;

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
    this.stream.write(this.stream.isTTY ? `\r${this.line((this.stream as WriteStream).columns ?? 120)}\x1b[K${final ? '\n' : ''}` : `${this.logLine()}\n`);
  }

  /**
   * The terminal line, fitted to `columns`: parts are dropped, least useful
   * first (the bar, then the rate), rather than the line being cut mid-word.
   */
  line(columns: number): string {
    const { records, bytes } = this.state;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = `${(bytes / MIB / seconds).toFixed(1)} MiB/s`;
    const size = this.totalBytes !== undefined ? `${(bytes / MIB).toFixed(1)}/${(this.totalBytes / MIB).toFixed(1)} MiB` : `${(bytes / MIB).toFixed(1)} MiB`;
    const fraction = this.totalBytes ? Math.min(1, bytes / this.totalBytes) : undefined;
    const percent = fraction !== undefined ? `${Math.floor(fraction * 100)}%`.padStart(4) : undefined;
    const bar = fraction !== undefined ? `[${'#'.repeat(Math.round(fraction * 24)).padEnd(24, '.')}]` : undefined;
    const count = `${records.toLocaleString('en-US')} records`;
    const candidates = [
      [bar, percent, count, size, rate],
      [percent, count, size, rate],
      [percent, count, size],
      [percent, count],
    ].map((parts) => parts.filter((p): p is string => p !== undefined).join('  '));
    const width = Math.max(columns - 1, 1);
    return candidates.find((c) => c.length <= width) ?? candidates[candidates.length - 1]!.slice(0, width);
  }

  private logLine(): string {
    const { records, bytes } = this.state;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const size = this.totalBytes !== undefined ? `${(bytes / MIB).toFixed(1)}/${(this.totalBytes / MIB).toFixed(1)} MiB` : `${(bytes / MIB).toFixed(1)} MiB`;
    const percent = this.totalBytes ? ` (${Math.floor(Math.min(1, bytes / this.totalBytes) * 100)}%)` : '';
    return `eddy: produced ${records} records, ${size}${percent}, ${(bytes / MIB / seconds).toFixed(1)} MiB/s, ${Math.round(records / seconds).toLocaleString('en-US')} records/s`;
  }
}
