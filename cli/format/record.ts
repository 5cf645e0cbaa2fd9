/**
 * How `eddy consume` prints records: kcat's `-f` format tokens, or one JSON
 * object per line (`--json`).
 *
 * Keys, values and header values are bytes; the text format writes them as
 * they are (so binary data round-trips through `> file`), JSON carries them
 * as UTF-8 text when they are valid UTF-8 and as base64 otherwise, saying so
 * in a `keyEncoding` / `valueEncoding` / `headersEncoding` field.
 */
import { UsageError } from '../errors.js';

/** A consumed record as the CLI prints it. */
export interface OutputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/** Turns a record into the bytes to write. */
export type RecordFormatter = (record: OutputRecord) => Buffer;

/** The tokens of `-f` and what each prints. */
export const FORMAT_TOKENS: Readonly<Record<string, string>> = {
  '%s': 'value',
  '%S': 'value length in bytes',
  '%k': 'key (empty when null)',
  '%K': 'key length in bytes (-1 when null)',
  '%t': 'topic',
  '%p': 'partition',
  '%o': 'offset',
  '%T': 'timestamp (epoch ms)',
  '%h': 'headers as k=v,k2=v2',
  '%%': 'a literal %',
};

type Piece = Buffer | ((r: OutputRecord) => Buffer | string);

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '0': '\0' };

const FIELDS: Readonly<Record<string, (r: OutputRecord) => Buffer | string>> = {
  s: (r) => r.value,
  S: (r) => String(r.value.length),
  k: (r) => r.key ?? '',
  K: (r) => String(r.key ? r.key.length : -1),
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  h: (r) =>
    Buffer.concat(
      Object.entries(r.headers).flatMap(([k, v], i) => [Buffer.from(`${i > 0 ? ',' : ''}${k}=`), v]),
    ),
};

/**
 * Compiles a kcat-style format string (`%k:%s\n`). Unknown `%x` tokens are
 * a usage error, so a typo is caught before anything is consumed.
 */
export function compileFormat(format: string): RecordFormatter {
  const pieces: Piece[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal) pieces.push(Buffer.from(literal));
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      literal += ESCAPES[next];
      i++;
    } else if (c === '%' && next === '%') {
      literal += '%';
      i++;
    } else if (c === '%') {
      const field = next === undefined ? undefined : FIELDS[next];
      if (!field) throw new UsageError(`unknown format token %${next ?? ''} in -f (known: ${Object.keys(FORMAT_TOKENS).join(' ')})`);
      flush();
      pieces.push(field);
      i++;
    } else {
      literal += c;
    }
  }
  flush();
  return (record) => Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : toBuffer(p(record)))));
}

function toBuffer(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : v;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
function utf8(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** One record as one line of JSON (ending in `\n`). */
export function jsonLine(r: OutputRecord): string {
  const out: Record<string, unknown> = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp };
  if (r.key === null) {
    out.key = null;
  } else {
    const text = utf8(r.key);
    out.key = text ?? r.key.toString('base64');
    if (text === undefined) out.keyEncoding = 'base64';
  }
  const value = utf8(r.value);
  out.value = value ?? r.value.toString('base64');
  if (value === undefined) out.valueEncoding = 'base64';
  const entries = Object.entries(r.headers);
  const texts = entries.map(([, v]) => utf8(v));
  const binary = texts.some((t) => t === undefined);
  out.headers = Object.fromEntries(entries.map(([k, v], i) => [k, binary ? v.toString('base64') : texts[i]!]));
  if (binary) out.headersEncoding = 'base64';
  return `${JSON.stringify(out)}\n`;
}
