/**
 * Small statistics and formatting helpers for the benchmark tables.
 * Latencies are milliseconds; throughput is MB/s with MB = 10^6 bytes of
 * record payload (key + value), the unit every row of the tables uses.
 */
import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile of already sorted samples (p in [0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median of unsorted numbers (the lower middle for an even count, so it is always a measured run). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Index of the run whose value is the median (ties: the first). */
export function medianIndex(values: readonly number[]): number {
  const m = median(values);
  return values.findIndex((v) => v === m);
}

/** Collects per-request latencies, keeping at most `cap` samples (reservoir beyond that). */
export class Latencies {
  private readonly samples: number[] = [];
  private seen = 0;
  private sorted: number[] | undefined;

  constructor(private readonly cap = 200_000) {}

  add(ms: number): void {
    this.sorted = undefined;
    this.seen++;
    if (this.samples.length < this.cap) this.samples.push(ms);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.samples[j] = ms;
    }
  }

  /** Times an async call and records it. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(performance.now() - t0);
    }
  }

  get count(): number {
    return this.seen;
  }

  p(pct: number): number {
    this.sorted ??= [...this.samples].sort((a, b) => a - b);
    return percentile(this.sorted, pct);
  }
}

/** One measured direction (produce or consume) of one run. */
export interface Measurement {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  /** What one "request" is for this system, e.g. "PutRecords of 500". */
  readonly unit: string;
  /** CPU ms used by the server process(es) and by the client (this process) during the phase. */
  readonly cpu?: { readonly server: number; readonly client: number };
}

export function measurement(records: number, bytes: number, seconds: number, lat: Latencies, unit: string, cpu?: { server: number; client: number }): Measurement {
  return { records, bytes, seconds, requests: lat.count, p50: lat.p(50), p99: lat.p(99), unit, ...(cpu ? { cpu } : {}) };
}

/** CPU ms per MB of payload, server and client. */
export const cpuPerMB = (m: Measurement): { server: number; client: number } | undefined =>
  m.cpu ? { server: m.cpu.server / (m.bytes / 1e6), client: m.cpu.client / (m.bytes / 1e6) } : undefined;

export const mbps = (m: Measurement): number => m.bytes / 1e6 / m.seconds;
export const rps = (m: Measurement): number => m.records / m.seconds;

/** Formats a number with a sensible number of significant digits. */
export function fmt(n: number | undefined, digits = 3): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(Math.max(0, digits - 2));
  if (abs >= 1) return n.toFixed(Math.max(1, digits - 1));
  return n.toPrecision(digits);
}

/** Formats dollars with enough digits to compare tiny unit costs. */
export function usd(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n === 0) return '$0';
  const abs = Math.abs(n);
  if (abs >= 100) return `$${Math.round(n).toLocaleString('en-US')}`;
  if (abs >= 1) return `$${n.toFixed(2)}`;
  if (abs >= 0.01) return `$${n.toFixed(3)}`;
  return `$${n.toPrecision(2)}`;
}

/** A Markdown table (also readable as plain text in a terminal). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly ('l' | 'r')[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number): string => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), sep, ...rows.map((r) => line(r))].join('\n');
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Throws when a phase overruns its time budget: every benchmark loop is bounded in count and time. */
export class Deadline {
  private readonly end: number;
  constructor(
    private readonly what: string,
    private readonly ms: number,
  ) {
    this.end = performance.now() + ms;
  }

  check(): void {
    if (performance.now() > this.end) throw new Error(`${this.what}: did not finish within ${Math.round(this.ms / 1000)} s`);
  }

  get remainingMs(): number {
    return Math.max(0, this.end - performance.now());
  }
}

/**
 * Sends items `0 … total - 1` in consecutive slices of `size` (`send(start, end)`, end exclusive), with at most
 * `window` sends in flight, checking `deadline` before each; the first failure stops new sends and is thrown once
 * the sends already in flight have settled.
 */
export async function sendWindowed(total: number, size: number, window: number, deadline: Deadline, send: (start: number, end: number) => Promise<unknown>): Promise<void> {
  const inflight = new Set<Promise<unknown>>();
  let failure: unknown;
  for (let start = 0; start < total && failure === undefined; start += size) {
    deadline.check();
    const p: Promise<unknown> = send(start, Math.min(total, start + size)).then(
      () => inflight.delete(p),
      (err: unknown) => {
        failure ??= err;
        inflight.delete(p);
      },
    );
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure !== undefined) throw failure;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
