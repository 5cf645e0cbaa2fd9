/**
 * `eddy produce TOPIC`: one record per input line, like kcat -P.
 *
 * Data path: the input is read in chunks and split into lines as bytes
 * (`io/lines.ts`); the lines of each read chunk (at most
 * {@link SEND_RECORDS} of them) become one `producer.send` of the SDK's
 * batching, idempotent producer, which packs them into requests of up to
 * 1 MiB. At most {@link WINDOW_BYTES} of input, or {@link WINDOW_RECORDS}
 * records, are unacknowledged at any time: when the window is full, reading
 * waits for the oldest send. So memory is bounded by the window, not by the
 * input size, and a file of any size streams through. (Measured: peak RSS
 * stops growing after the first ~20 MB of input; see test/cli/produce-large.)
 *
 * The window is small because the SDK producer keeps at most one request in
 * flight per partition and packs every idle partition into one request, so
 * a few MiB keep it busy; more only adds garbage for V8 to carry.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { EddyError, type Message, type RecordMetadata } from '@eddy/sdk';
import { Command, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { renderTable } from '../format/table.js';
import { LineTooLongError, lines } from '../io/lines.js';
import { Progress } from '../io/progress.js';
import { parseHeaderPair, parseNonNegativeInt, unescape } from '../parse.js';

/** Input bytes sent but not yet acknowledged before reading pauses. */
export const WINDOW_BYTES = 2 * 1024 * 1024;
/** Records sent but not yet acknowledged before reading pauses (tiny lines cost more per byte). */
export const WINDOW_RECORDS = 5_000;
/** Most lines in one `producer.send`. */
const SEND_RECORDS = 1_000;
/** The producer's buffer (wire bytes, base64 and JSON included), larger than the window so `send` does not wait inside. */
const PRODUCER_BUFFER_BYTES = 16 * 1024 * 1024;
/** Read size of `--file`. */
const READ_CHUNK_BYTES = 256 * 1024;

interface ProduceOptions {
  readonly keyDelimiter?: string;
  readonly header?: Record<string, string>;
  readonly partition?: number;
  readonly file?: string;
  readonly progress: boolean;
  readonly json?: boolean;
}

/** The `produce` command. */
export function produceCommand(): Command {
  return examples(
    new Command('produce')
      .description('produce one record per input line (stdin, or --file); prints the offsets written')
      .argument('<topic>', 'topic name')
      .option('-K, --key-delimiter <sep>', 'split each line into key and value at the first <sep> (\\t, \\n escapes allowed)')
      .option('-H, --header <key=value>', 'header added to every record, repeatable', parseHeaderPair)
      .option('-p, --partition <n>', 'write every record to this partition (default: by key, murmur2; round-robin without key)', parseNonNegativeInt)
      .option('--file <path>', 'read lines from a file instead of stdin, with progress on stderr')
      .option('--no-progress', 'no progress reporting for --file')
      .addOption(new Option('--json', 'print the summary as JSON'))
      .addHelpText(
        'after',
        '\nEach line is one record (a trailing \\r is dropped; empty lines are skipped). Without -K the\nwhole line is the value and the record has no key; with -K, a line without the delimiter\nhas no key. Ctrl-C stops reading, waits for the records in flight and prints the summary.',
      ),
    "printf 'k1:v1\\nk2:v2\\n' | eddy produce orders -K :",
    'eddy produce orders --file events.jsonl -H source=backfill',
    'echo hello | eddy produce orders -p 0',
  ).action(action(produce));
}

/** Per-partition totals of what was acknowledged. */
interface PartitionSummary {
  records: number;
  firstOffset: number;
  lastOffset: number;
}

interface InFlight {
  readonly promise: Promise<RecordMetadata[]>;
  readonly inputBytes: number;
  readonly records: number;
}

async function produce(ctx: Context, [topic]: string[], opts: ProduceOptions): Promise<number> {
  const started = Date.now();
  const description = await ctx.client.describeTopic({ topic: topic! });
  if (opts.partition !== undefined && opts.partition >= description.partitions) {
    throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${opts.partition} (it has ${description.partitions})`);
  }
  const maxMessageBytes = description.config.maxMessageBytes;
  const separator = opts.keyDelimiter !== undefined ? Buffer.from(unescape(opts.keyDelimiter)) : undefined;
  if (separator?.length === 0) throw new EddyError('INVALID_REQUEST', 'the key delimiter must not be empty');
  const headers = opts.header;
  const headerBytes = Object.entries(headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

  let input: Readable;
  let totalBytes: number | undefined;
  if (opts.file !== undefined) {
    let stats;
    try {
      stats = await stat(opts.file);
    } catch (err) {
      throw new Error(`cannot read ${opts.file}: ${(err as Error).message}`, { cause: err });
    }
    if (stats.isDirectory()) throw new Error(`cannot read ${opts.file}: it is a directory`);
    // A pipe or device (--file <(cmd)) has no size to show a percentage of.
    totalBytes = stats.isFile() ? stats.size : undefined;
    input = createReadStream(opts.file, { highWaterMark: READ_CHUNK_BYTES });
  } else {
    input = process.stdin;
    if (process.stdin.isTTY) process.stderr.write('eddy: reading records from the terminal, one per line; Ctrl-D to finish\n');
  }
  const progress = opts.file !== undefined && opts.progress ? new Progress(totalBytes) : undefined;

  const producer = ctx.client.producer({ lingerMs: 5, batchBytes: 1_048_576, maxBufferedBytes: PRODUCER_BUFFER_BYTES });
  const summary = new Map<number, PartitionSummary>();
  const acked = { records: 0, bytes: 0 };
  const window: InFlight[] = [];
  let windowBytes = 0;
  let windowRecords = 0;
  let failure: unknown;
  let interrupted = false;

  const settleOldest = async (): Promise<void> => {
    const entry = window.shift()!;
    windowBytes -= entry.inputBytes;
    windowRecords -= entry.records;
    try {
      merge(summary, await entry.promise);
      acked.records += entry.records;
      acked.bytes += entry.inputBytes;
      progress?.update(acked);
    } catch (err) {
      failure ??= err;
    }
  };

  const onSignal = (): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: do not wait for in-flight records
    interrupted = true;
    process.stderr.write('eddy: interrupted, waiting for records in flight (Ctrl-C again to quit now)\n');
    input.destroy();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let lineNumber = 0;
  try {
    let batch: Message[] = [];
    let batchInput = 0;
    const submit = async (): Promise<void> => {
      if (batch.length === 0) return;
      const promise = producer.send({ topic: topic!, messages: batch });
      promise.catch(() => undefined); // observed in settleOldest
      window.push({ promise, inputBytes: batchInput, records: batch.length });
      windowBytes += batchInput;
      windowRecords += batch.length;
      batch = [];
      batchInput = 0;
      while ((windowBytes > WINDOW_BYTES || windowRecords > WINDOW_RECORDS) && failure === undefined) await settleOldest();
    };
    for await (const line of lines(input, maxMessageBytes + (separator?.length ?? 0) + 1)) {
      lineNumber++;
      batchInput += line.inputBytes;
      if (line.bytes.length > 0) batch.push(toMessage(line.bytes, lineNumber));
      if (line.lastInChunk || batch.length >= SEND_RECORDS) await submit();
      if (failure !== undefined) break;
    }
    await submit();
  } catch (err) {
    if (err instanceof LineTooLongError) failure ??= new EddyError('MESSAGE_TOO_LARGE', `line ${err.lineNumber} is longer than topic ${topic}'s maxMessageBytes (${maxMessageBytes})`);
    else if ((err as NodeJS.ErrnoException).syscall !== undefined) failure ??= new Error(`cannot read ${opts.file ?? 'stdin'}: ${(err as Error).message}`, { cause: err });
    else if (!interrupted) failure ??= err;
  }
  try {
    while (window.length > 0) await settleOldest();
    await producer.disconnect();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress?.done();

  const seconds = (Date.now() - started) / 1000;
  if (opts.json) {
    await ctx.out.write(
      `${JSON.stringify({ topic, records: acked.records, bytes: acked.bytes, seconds, partitions: [...summary].sort(([a], [b]) => a - b).map(([partition, s]) => ({ partition, ...s })) })}\n`,
    );
  } else {
    await ctx.out.write(`produced ${acked.records} record${acked.records === 1 ? '' : 's'} to ${topic} in ${seconds.toFixed(2)}s\n`);
    if (summary.size > 0) {
      const rows = [...summary].sort(([a], [b]) => a - b).map(([p, s]) => [p, s.records, s.firstOffset, s.lastOffset]);
      await ctx.out.write(renderTable(['PARTITION', 'RECORDS', 'FIRST-OFFSET', 'LAST-OFFSET'], rows));
    }
  }
  if (failure !== undefined) throw failure;
  return interrupted ? 130 : 0;

  function toMessage(bytes: Buffer, n: number): Message {
    let key: Buffer | null = null;
    let value = bytes;
    if (separator) {
      const at = bytes.indexOf(separator);
      if (at >= 0) {
        key = bytes.subarray(0, at);
        value = bytes.subarray(at + separator.length);
      }
    }
    const size = (key?.length ?? 0) + value.length + headerBytes;
    if (size > maxMessageBytes) throw new EddyError('MESSAGE_TOO_LARGE', `line ${n}: a record of ${size} bytes exceeds topic ${topic}'s maxMessageBytes (${maxMessageBytes})`);
    return { key, value, ...(headers ? { headers } : {}), ...(opts.partition !== undefined ? { partition: opts.partition } : {}) };
  }
}

function merge(summary: Map<number, PartitionSummary>, results: readonly RecordMetadata[]): void {
  for (const r of results) {
    if (r.offsets.length === 0) continue;
    // A send's offsets in one partition are in request order, so ascending.
    const first = r.offsets[0]!;
    const last = r.offsets[r.offsets.length - 1]!;
    const s = summary.get(r.partition);
    if (!s) summary.set(r.partition, { records: r.offsets.length, firstOffset: first, lastOffset: last });
    else {
      s.records += r.offsets.length;
      s.firstOffset = Math.min(s.firstOffset, first);
      s.lastOffset = Math.max(s.lastOffset, last);
    }
  }
}
