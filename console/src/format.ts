/** How values are shown: numbers, durations, and record bytes as JSON, text or hex. */

/** `1234567` → `1,234,567`. */
export const num = (n: number): string => n.toLocaleString('en-US');

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A retention in ms as people say it: `7d`, `12h`, `forever` (-1). */
export function duration(ms: number): string {
  if (ms < 0) return 'forever';
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * Parses a retention typed by a person: `forever`, `-1`, a number of ms, or
 * a number with a unit (`90s`, `30m`, `12h`, `7d`). Throws a message that
 * names the bad input.
 */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'forever' || t === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(t);
  if (!m) throw new Error(`retention must look like 7d, 12h, 30m, 90s, a number of ms, or "forever"; got ${JSON.stringify(text)}`);
  const size = m[2] === undefined || m[2] === 'ms' ? 1 : UNITS.find(([u]) => u === m[2])![1];
  return Math.round(Number(m[1]) * size);
}

/** A byte count: `-1` is unlimited. */
export function bytes(n: number): string {
  if (n < 0) return 'unlimited';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 ? 1 : 0)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** An epoch-ms timestamp in local time, to the millisecond. */
export function time(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Base64 (the API's lossless encoding) to bytes. */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** How one field is rendered. */
export type View = 'json' | 'text' | 'hex';

/** A field decoded for display. */
export interface Decoded {
  /** null for a tombstone (no value) or a missing key. */
  readonly bytes: Uint8Array | null;
  /** UTF-8 text, when the bytes are valid UTF-8 without control characters other than whitespace. */
  readonly text: string | undefined;
  /** The parsed value, when the text is a JSON object or array. */
  readonly json: { value: unknown } | undefined;
  /** What auto-detection picked. */
  readonly auto: View;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes a base64 field and picks how to show it: JSON when it is a JSON object or array, else text when it is printable UTF-8, else hex. */
export function decode(b64: string | null): Decoded {
  if (b64 === null) return { bytes: null, text: undefined, json: undefined, auto: 'text' };
  const bytes = fromBase64(b64);
  let text: string | undefined;
  try {
    text = strict.decode(bytes);
    // eslint-disable-next-line no-control-regex -- control characters are what makes bytes binary
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) text = undefined;
  } catch {
    text = undefined;
  }
  let json: { value: unknown } | undefined;
  if (text !== undefined && /^\s*[[{]/.test(text)) {
    try {
      json = { value: JSON.parse(text) };
    } catch {
      json = undefined;
    }
  }
  return { bytes, text, json, auto: json ? 'json' : text !== undefined ? 'text' : 'hex' };
}

/** Bytes as hex pairs, 16 to a line with their offset. */
export function hex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0'));
    lines.push(`${i.toString(16).padStart(6, '0')}  ${row.join(' ')}`);
  }
  return lines.join('\n');
}

/** A one-line preview of a field in the chosen view. */
export function preview(d: Decoded, view: View, max = 160): string {
  if (d.bytes === null) return '';
  let s: string;
  if (view === 'hex' || d.text === undefined) s = Array.from(d.bytes.subarray(0, max / 2), (b) => b.toString(16).padStart(2, '0')).join(' ');
  else if (view === 'json' && d.json) s = JSON.stringify(d.json.value);
  else s = d.text;
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
