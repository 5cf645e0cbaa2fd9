/**
 * The CLI's pure parts, in process: option parsers, record formats, the
 * line splitter, tables and error lines.
 */
import { Readable } from 'node:stream';
import { EddyError } from '@eddy/sdk';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeFailure, UsageError } from '../../cli/errors.js';
import { compileFormat, jsonLine, type OutputRecord } from '../../cli/format/record.js';
import { humanBytes, humanMs, renderTable } from '../../cli/format/table.js';
import { lines, LineTooLongError, type Line } from '../../cli/io/lines.js';
import { parseTopicPartitions } from '../../cli/commands/groups.js';
import { Progress } from '../../cli/io/progress.js';
import { kafkaSpellings, oneLineUsageError } from '../../cli/kafka-spellings.js';
import { parseConfigPair, parseDateTime, parseDuration, parseHeaderPair, parseInteger, parseStart, unescape } from '../../cli/parse.js';

const record: OutputRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1714560000000,
  key: Buffer.from('k1'),
  value: Buffer.from('hello'),
  headers: { a: Buffer.from('1'), b: Buffer.from('x') },
};

describe('kcat format (-f)', () => {
  it('prints every token and escape', () => {
    const out = compileFormat('%t|%p|%o|%k|%K|%s|%S|%T|%h|%%|\\t|\\n').call(null, record).toString();
    expect(out).toBe('orders|2|41|k1|2|hello|5|1714560000000|a=1,b=x|%|\t|\n');
  });

  it('prints a null key as empty with length -1', () => {
    expect(compileFormat('[%k][%K]').call(null, { ...record, key: null }).toString()).toBe('[][-1]');
  });

  it('writes binary values byte for byte', () => {
    const value = Buffer.from([0, 0xff, 0x80, 0x0a]);
    expect(compileFormat('%s').call(null, { ...record, value }).equals(value)).toBe(true);
  });

  it('rejects unknown tokens before consuming anything', () => {
    expect(() => compileFormat('%x')).toThrow(UsageError);
    expect(() => compileFormat('%')).toThrow(UsageError);
  });
});

describe('--json records', () => {
  it('carries UTF-8 as text', () => {
    expect(JSON.parse(jsonLine(record))).toEqual({ topic: 'orders', partition: 2, offset: 41, timestamp: 1714560000000, key: 'k1', value: 'hello', headers: { a: '1', b: 'x' } });
  });

  it('carries invalid UTF-8 as base64 and says so', () => {
    const parsed = JSON.parse(jsonLine({ ...record, key: null, value: Buffer.from([0xff, 0xfe]), headers: { h: Buffer.from([0xc3]) } }));
    expect(parsed).toMatchObject({ key: null, value: '//4=', valueEncoding: 'base64', headers: { h: 'ww==' }, headersEncoding: 'base64' });
    expect(parsed.keyEncoding).toBeUndefined();
  });
});

describe('option parsers', () => {
  it('parses -o', () => {
    expect(parseStart('beginning')).toEqual({ kind: 'beginning' });
    expect(parseStart('end')).toEqual({ kind: 'end' });
    expect(parseStart('12')).toEqual({ kind: 'offset', offset: 12 });
    expect(parseStart('-5')).toEqual({ kind: 'fromEnd', count: 5 });
    expect(parseStart('@1714560000000')).toEqual({ kind: 'timestamp', timestamp: 1714560000000 });
    expect(() => parseStart('soon')).toThrow(InvalidArgumentError);
  });

  it('accepts Kafka and API names for topic settings', () => {
    let config = parseConfigPair('retention.ms=86400000');
    config = parseConfigPair('maxMessageBytes=2048', config);
    config = parseConfigPair('retention.bytes=-1', config);
    expect(config).toEqual({ retentionMs: 86400000, maxMessageBytes: 2048, retentionBytes: -1 });
    expect(() => parseConfigPair('segment.ms=1')).toThrow(/unknown topic setting/);
    expect(() => parseConfigPair('retention.ms=soon')).toThrow(/integer/);
    expect(() => parseConfigPair('retention.ms')).toThrow(/key=value/);
  });

  it('parses headers, date-times and separators', () => {
    expect(parseHeaderPair('b=2=3', parseHeaderPair('a=1'))).toEqual({ a: '1', b: '2=3' });
    expect(parseDateTime('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(() => parseDateTime('yesterday')).toThrow(InvalidArgumentError);
    expect(unescape('\\t|\\n|\\\\')).toBe('\t|\n|\\');
  });
});

async function collect(chunks: (string | Buffer)[], max = 100): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of lines(Readable.from(chunks.map((c) => Buffer.from(c))), max)) out.push(l);
  return out;
}

describe('line splitter', () => {
  it('splits across chunk boundaries, drops \\r before \\n, keeps a last line without \\n', async () => {
    const got = await collect(['ab', 'c\r\nd', 'e\n\nf']);
    expect(got.map((l) => l.bytes.toString())).toEqual(['abc', 'de', '', 'f']);
    expect(got.map((l) => l.inputBytes)).toEqual([5, 3, 1, 1]);
  });

  it('marks the last complete line of each read', async () => {
    const got = await collect(['a\nb\nc', '\n']);
    expect(got.map((l) => [l.bytes.toString(), l.lastInChunk])).toEqual([
      ['a', false],
      ['b', true],
      ['c', true],
    ]);
  });

  it('keeps bytes that are not UTF-8', async () => {
    const got = await collect([Buffer.from([0xff, 0x0a, 0xc3, 0x28, 0x0a])]);
    expect(got.map((l) => [...l.bytes])).toEqual([[0xff], [0xc3, 0x28]]);
  });

  it('refuses a line longer than the limit, even one spread over many reads', async () => {
    await expect(collect(['x'.repeat(50), 'x'.repeat(60), '\n'], 100)).rejects.toThrow(LineTooLongError);
  });
});

describe('tables and errors', () => {
  it('aligns columns and prints missing cells as -', () => {
    expect(renderTable(['TOPIC', 'LAG'], [['orders', 3], ['a', undefined]])).toBe('TOPIC   LAG\norders  3\na       -\n');
    expect(humanMs(604800000)).toBe('7d');
    expect(humanMs(-1)).toBe('forever');
    expect(humanBytes(1048576)).toBe('1 MiB');
  });

  it('prints API errors as code and message on one line, exit 1', () => {
    const { line, exitCode } = describeFailure(new EddyError('UNKNOWN_TOPIC_OR_PARTITION', 'topic x does not exist'), 'http://127.0.0.1:4000');
    expect(line).toBe('eddy: UNKNOWN_TOPIC_OR_PARTITION: topic x does not exist');
    expect(exitCode).toBe(1);
  });

  it('names the endpoint when it cannot be reached', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' });
    const err = new EddyError('UNAVAILABLE', 'GET /v1/topics: not sent (ECONNREFUSED)', { cause: new TypeError('fetch failed', { cause }) });
    expect(describeFailure(err, 'http://127.0.0.1:4000').line).toBe('eddy: cannot reach http://127.0.0.1:4000 (ECONNREFUSED)');
  });

  it('says so when AWS credentials are missing (the SDK calls it an unknown outcome)', () => {
    const cause = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const err = new EddyError('UNKNOWN_OUTCOME', 'GET /v1/topics (eddy-admin): connection failed after sending, outcome unknown (CredentialsProviderError)', { cause });
    expect(describeFailure(err, undefined).line).toMatch(/^eddy: no AWS credentials found: Could not load credentials from any providers/);
  });

  it('treats command-line mistakes as usage errors, exit 2', () => {
    expect(describeFailure(new UsageError('bad\nthing'), undefined)).toEqual({ line: 'eddy: bad thing', exitCode: 2 });
  });
});

describe('first-hour papercuts (issue 18, item 13)', () => {
  it('a 249-character topic name does not widen the other rows of a table', () => {
    const long = 't'.repeat(249);
    const text = renderTable(['TOPIC', 'PARTITIONS'], [['orders', 3], [long, 1], ['clicks', 2]]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('TOPIC   PARTITIONS');
    expect(lines[1]).toBe('orders  3');
    expect(lines[2]).toBe(`${long}  1`);
    expect(lines[3]).toBe('clicks  2');
  });

  it('the progress line fits the terminal by dropping parts, and counts MiB', () => {
    const written: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(300 * 1024 * 1024, stream, 60_000);
    progress.update({ records: 1_234_567, bytes: 150 * 1024 * 1024 });
    const wide = progress.line(200);
    expect(wide).toMatch(/^\[#{12}\.{12}\] +50% {2}1,234,567 records {2}150\.0\/300\.0 MiB {2}[\d.]+ MiB\/s$/);
    for (const columns of [80, 60, 40]) {
      const line = progress.line(columns);
      expect(line.length, line).toBeLessThan(columns);
      expect(line).toContain('1,234,567 records'); // never cut mid-number
    }
    expect(progress.line(80)).toMatch(/^ 50% {2}1,234,567 records {2}150\.0\/300\.0 MiB/);
    progress.done();
    expect(written.at(-1)).toMatch(/\n$/);
    expect(written.join('')).not.toMatch(/\bMB\b/);
  });
});

describe('Kafka spellings (issue 18, item 14)', () => {
  const t = (line: string): string => kafkaSpellings(line.split(' ')).args.join(' ');

  it('turns kafka-topics.sh / kafka-consumer-groups.sh / console-client forms into eddy commands', () => {
    expect(t('topics --list')).toBe('topics list');
    expect(t('topics --create --topic orders --partitions 3')).toBe('topics create orders --partitions 3');
    expect(t('topics --describe --topic=orders')).toBe('topics describe orders');
    expect(t('topics --delete --topic orders')).toBe('topics delete orders');
    expect(t('topics --alter --topic orders --partitions 6')).toBe('topics alter orders --partitions 6');
    expect(t('--endpoint http://h:1 topics --list')).toBe('--endpoint http://h:1 topics list');
    expect(t('groups --list')).toBe('groups list');
    expect(t('groups --describe --group billing --members')).toBe('groups describe billing --members');
    expect(t('groups --reset-offsets --group billing --topic orders --to-earliest')).toBe('groups reset-offsets billing --topic orders --to-earliest');
    expect(t('consume --topic orders --from-beginning')).toBe('consume orders --from-beginning');
    expect(t('produce --topic orders')).toBe('produce orders');
  });

  it('leaves Eddy spellings alone, including groups reset-offsets --topic', () => {
    for (const line of ['topics list', 'topics create orders --partitions 3', 'groups reset-offsets billing --topic orders --to-earliest', 'consume orders -o beginning', 'topics --list --describe']) {
      expect(t(line)).toBe(line);
    }
  });

  it('drops --replication-factor with a note', () => {
    const out = kafkaSpellings(['topics', '--create', '--topic', 'orders', '--replication-factor', '3']);
    expect(out.args).toEqual(['topics', 'create', 'orders']);
    expect(out.notes).toEqual(['eddy: note: --replication-factor ignored: records are stored in S3 and DynamoDB, which replicate them']);
  });

  it("puts commander's did-you-mean on the error line, and hints at Kafka-only options", () => {
    expect(oneLineUsageError("error: unknown command 'topic'\n(Did you mean topics?)\n")).toBe("unknown command 'topic' (did you mean topics?)\n");
    expect(oneLineUsageError("error: unknown option '--bootstrap-server'\n")).toBe("unknown option '--bootstrap-server' (Eddy is reached over HTTP: use --endpoint <url> or EDDY_ENDPOINT)\n");
  });

  it('parses reset-offsets values the way kafka-consumer-groups.sh takes them', () => {
    expect(parseDuration('PT15M')).toBe(15 * 60_000);
    expect(parseDuration('P1DT2H30M')).toBe(((24 + 2) * 60 + 30) * 60_000);
    expect(parseDuration('PT0.5S')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    for (const bad of ['P', 'PT', '15', 'yesterday', '-1h']) expect(() => parseDuration(bad), bad).toThrow(InvalidArgumentError);
    expect(parseInteger('-10')).toBe(-10);
    expect(parseInteger('+3')).toBe(3);
    expect(() => parseInteger('1.5')).toThrow(InvalidArgumentError);
    expect(parseTopicPartitions('orders:0,2', [{ topic: 'clicks' }])).toEqual([{ topic: 'clicks' }, { topic: 'orders', partitions: [0, 2] }]);
    expect(() => parseTopicPartitions('orders:a')).toThrow(InvalidArgumentError);
  });
});
