/**
 * Parsers of option values. Each throws commander's InvalidArgumentError, so
 * a bad value is reported like any other usage error (exit 2) and names the
 * option it came from.
 */
import { InvalidArgumentError } from 'commander';
import type { TopicConfig } from '@eddy/sdk';

/** A non-negative integer (`--partitions`, `-p`, `-c`, `--to-offset`). */
export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a non-negative integer.');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('number too large.');
  return n;
}

/** An integer, possibly negative (`--shift-by -10`). */
export function parseInteger(value: string): number {
  if (!/^[-+]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer.');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('number too large.');
  return n;
}

/**
 * A duration in ms: ISO-8601 as kafka-consumer-groups.sh takes it
 * (`PT15M`, `P1DT2H30M`, `PT0.5S`) or a short form (`90s`, `15m`, `2h`, `1d`, `500ms`).
 */
export function parseDuration(value: string): number {
  const v = value.trim();
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(v);
  if (iso && v.length > 1 && !/T$/i.test(v)) {
    const [, d, h, m, sec] = iso;
    return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(sec ?? 0) * 1000);
  }
  const short = /^(\d+)(ms|s|m|h|d)$/.exec(v);
  if (short) return Number(short[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[short[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  throw new InvalidArgumentError(`expected an ISO-8601 duration such as PT15M or P1DT2H, or 90s, 15m, 2h, 1d; got ${JSON.stringify(value)}.`);
}

/** A positive integer. */
export function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/**
 * Topic settings by their API names and by the Kafka names an operator
 * types out of habit (`retention.ms`).
 */
const CONFIG_KEYS: Readonly<Record<string, keyof TopicConfig>> = {
  retentionMs: 'retentionMs',
  'retention.ms': 'retentionMs',
  retentionBytes: 'retentionBytes',
  'retention.bytes': 'retentionBytes',
  maxMessageBytes: 'maxMessageBytes',
  'max.message.bytes': 'maxMessageBytes',
};

/** Accumulates one `--config k=v` into topic settings (integers; -1 means unlimited/forever where the API allows it). */
export function parseConfigPair(pair: string, previous: TopicConfig = {}): TopicConfig {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.');
  const name = pair.slice(0, eq).trim();
  const key = CONFIG_KEYS[name];
  if (!key) throw new InvalidArgumentError(`unknown topic setting ${JSON.stringify(name)} (known: retention.ms, retention.bytes, max.message.bytes).`);
  const raw = pair.slice(eq + 1).trim();
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`${name} must be an integer.`);
  return { ...previous, [key]: Number(raw) };
}

/** Accumulates one `-H k=v` into record headers. */
export function parseHeaderPair(pair: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

/** Where `eddy consume` starts in each partition (`-o`). */
export type StartSpec =
  | { readonly kind: 'beginning' }
  | { readonly kind: 'end' }
  /** An absolute offset in every partition. */
  | { readonly kind: 'offset'; readonly offset: number }
  /** This many records before the end of every partition (kcat's `-o -N`). */
  | { readonly kind: 'fromEnd'; readonly count: number }
  /** The first record at or after this time (epoch ms). */
  | { readonly kind: 'timestamp'; readonly timestamp: number };

/** Parses `-o beginning|end|N|-N|@<epoch-ms>`. */
export function parseStart(value: string): StartSpec {
  const v = value.trim();
  if (v === 'beginning' || v === 'earliest') return { kind: 'beginning' };
  if (v === 'end' || v === 'latest') return { kind: 'end' };
  if (/^@\d+$/.test(v)) return { kind: 'timestamp', timestamp: Number(v.slice(1)) };
  if (/^\d+$/.test(v)) return { kind: 'offset', offset: Number(v) };
  if (/^-\d+$/.test(v)) return { kind: 'fromEnd', count: Number(v.slice(1)) };
  throw new InvalidArgumentError('expected beginning, end, an offset N, -N (N before the end) or @<epoch-ms>.');
}

/** Parses an ISO-8601 date-time (or epoch ms) into epoch ms. */
export function parseDateTime(value: string): number {
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`expected an ISO-8601 date-time such as 2024-05-01T12:00:00Z, got ${JSON.stringify(value)}.`);
  return ms;
}

/** Decodes `\n`, `\t`, `\r`, `\\` and `\0` escapes in a separator typed on a shell command line. */
export function unescape(text: string): string {
  return text.replace(/\\([ntr0\\])/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\' })[c]!);
}
