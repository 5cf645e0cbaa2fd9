/**
 * `eddy consume TOPIC`: print records, like kcat -C (and kcat -G with `-g`).
 *
 * Without a group the CLI reads the partitions itself with the thin client
 * (one long-polling fetch loop per partition), which lets `-o` pick any
 * start and `-e` know exactly when a partition is done: when its position
 * reaches the high-water mark the topic had when consuming started. While
 * tailing it also picks up partitions added to the topic.
 *
 * With `-g GROUP` it is a group member through the SDK consumer: partitions
 * come from the group, positions from the group's committed offsets (`-o`
 * only says where to start a partition that has none), processed offsets are
 * committed on exit, and the member leaves the group, so `eddy groups
 * describe` shows the lag right away.
 */
import { EddyError, isEddyError, type Eddy, type KafkaMessage, type TopicDescription } from '@eddy/sdk';
import { Command, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { compileFormat, FORMAT_TOKENS, jsonLine, type OutputRecord, type RecordFormatter } from '../format/record.js';
import type { Output } from '../io/output.js';
import { parseNonNegativeInt, parsePositiveInt, parseStart, unescape, type StartSpec } from '../parse.js';

interface ConsumeOptions {
  readonly offset: StartSpec;
  readonly fromBeginning?: boolean;
  readonly maxMessages?: number;
  readonly exit?: boolean;
  readonly count?: number;
  readonly group?: string;
  readonly partition?: number;
  readonly format?: string;
  readonly keyDelimiter?: string;
  readonly json?: boolean;
}

/** Long-poll wait of a fetch while tailing (the API's maximum is 20000). */
const TAIL_WAIT_MS = 10_000;
/** Bytes per fetch. */
const FETCH_BYTES = 1_048_576;

/** The `consume` command. */
export function consumeCommand(): Command {
  const tokens = Object.entries(FORMAT_TOKENS)
    .map(([t, what]) => `  ${t}  ${what}`)
    .join('\n');
  return examples(
    new Command('consume')
      .description('print records of a topic, one per line (the value by default)')
      .argument('<topic>', 'topic name')
      .addOption(
        new Option('-o, --offset <start>', 'where to start: beginning, end, N (offset), -N (N before the end), @<epoch-ms>').default(parseStart('end'), 'end').argParser(parseStart),
      )
      .addOption(new Option('--from-beginning', 'same as -o beginning (kafka-console-consumer)').conflicts('offset'))
      .option('-e, --exit', 'exit once every partition reached the end it had when consuming started')
      .option('-c, --count <n>', 'exit after n records', parsePositiveInt)
      .addOption(new Option('--max-messages <n>', 'same as -c (kafka-console-consumer)').argParser(parsePositiveInt).conflicts('count'))
      .option('-g, --group <group>', 'consume as a member of this consumer group (commits, and leaves the group on exit)')
      .option('-p, --partition <n>', 'only this partition (not with -g)', parseNonNegativeInt)
      .addOption(new Option('-f, --format <format>', 'output format with kcat tokens (see below)').conflicts('json'))
      .addOption(new Option('-K, --key-delimiter <sep>', 'print key<sep>value').conflicts(['json', 'format']))
      .addOption(new Option('--json', 'print one JSON object per record'))
      .addHelpText('after', `\nFormat tokens (-f), plus the escapes \\n \\t \\r \\\\:\n${tokens}\n\nCtrl-C stops cleanly; with -g the processed offsets are committed first.`),
    'eddy consume orders -o beginning -e',
    "eddy consume orders -g billing -c 10 -f '%p/%o %k=%s\\n'",
    'eddy consume orders -o @1714560000000 --json | jq .value',
    'eddy consume orders -p 2 -o -5 -e -K :',
    'eddy consume --topic orders --from-beginning --max-messages 10',
  ).action(action(consume));
}

async function consume(ctx: Context, [topic]: string[], given: ConsumeOptions): Promise<number> {
  // The kafka-console-consumer spellings, folded into Eddy's.
  const opts: ConsumeOptions = {
    ...given,
    ...(given.fromBeginning ? { offset: parseStart('beginning') } : {}),
    ...(given.maxMessages !== undefined ? { count: given.maxMessages } : {}),
  };
  if (opts.group !== undefined) {
    if (opts.partition !== undefined) throw new UsageError('-p cannot be used with -g: the group assigns partitions');
    if (opts.offset.kind !== 'beginning' && opts.offset.kind !== 'end') {
      throw new UsageError('with -g, -o is beginning or end (where partitions without a committed offset start); move a group with `eddy groups reset-offsets`');
    }
  }
  const formatter = makeFormatter(opts);
  const description = await ctx.client.describeTopic({ topic: topic! });
  if (opts.partition !== undefined && opts.partition >= description.partitions) {
    throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${opts.partition} (it has ${description.partitions})`);
  }
  const printer = new Printer(ctx.out, formatter, opts.count);
  return opts.group !== undefined ? consumeGroup(ctx.client, description, opts.group, opts, printer) : consumeStandalone(ctx.client, description, opts, printer);
}

function makeFormatter(opts: ConsumeOptions): RecordFormatter {
  if (opts.json) return (r) => Buffer.from(jsonLine(r));
  if (opts.keyDelimiter !== undefined) {
    const sep = Buffer.from(unescape(opts.keyDelimiter));
    const nl = Buffer.from('\n');
    return (r) => Buffer.concat([r.key ?? Buffer.alloc(0), sep, r.value, nl]);
  }
  return compileFormat(opts.format ?? '%s\\n');
}

/**
 * Writes records and counts them against `-c`. A record is claimed before it
 * is written, so concurrent partition loops never print more than the limit.
 */
class Printer {
  printed = 0;
  private full = false;
  private readonly onFull: (() => void)[] = [];

  constructor(
    readonly out: Output,
    private readonly format: RecordFormatter,
    private readonly limit: number | undefined,
  ) {}

  /** Whether the `-c` limit was reached (or the reader went away). */
  get done(): boolean {
    return this.full || this.out.closed;
  }

  /** Calls `listener` when the limit is reached. */
  whenFull(listener: () => void): void {
    this.onFull.push(listener);
  }

  /** Prints a record unless the limit was reached; false when it was not printed. */
  async print(record: OutputRecord): Promise<boolean> {
    if (this.done) return false;
    this.printed++;
    if (this.limit !== undefined && this.printed >= this.limit) {
      this.full = true;
      for (const l of this.onFull.splice(0)) l();
    }
    await this.out.write(this.format(record));
    return true;
  }
}

/** Runs `stop` on the first SIGINT/SIGTERM, exits at once on the second; returns the uninstaller. */
function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = (): void => {
    if (count++ > 0) process.exit(130);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function warn(message: string): void {
  process.stderr.write(`eddy: warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

function errorText(err: unknown): string {
  return isEddyError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------
// Without a group: one fetch loop per partition.

async function consumeStandalone(client: Eddy, topic: TopicDescription, opts: ConsumeOptions, printer: Printer): Promise<number> {
  const name = topic.name;
  const partitions = opts.partition !== undefined ? [opts.partition] : Array.from({ length: topic.partitions }, (_, i) => i);
  const offsets = new Map(topic.partitionOffsets.map((p) => [p.partition, p]));
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  printer.whenFull(stop);
  printer.out.onClose(stop);
  const uninstall = onInterrupt(stop);
  const loops = new Map<number, Promise<void>>();
  try {
    const starts = await Promise.all(partitions.map((p) => startOffset(client, name, p, offsets.get(p), opts.offset, controller.signal)));
    partitions.forEach((p, i) => loops.set(p, readPartition(client, name, p, starts[i]!, offsets.get(p)?.highWatermark ?? 0, opts.exit ?? false, printer, controller)));
    // Tailing every partition: partitions added meanwhile are read too (with -e the set is fixed at start, with -p there is one).
    const watcher = opts.partition === undefined && !opts.exit ? watchPartitions(client, topic, opts.offset, loops, printer, controller) : Promise.resolve();
    // Loops started while waiting are waited for too.
    for (let waited = 0; waited < loops.size; ) {
      const snapshot = [...loops.values()];
      await Promise.all(snapshot);
      waited = snapshot.length;
    }
    controller.abort();
    await watcher;
  } catch (err) {
    const stopping = controller.signal.aborted;
    controller.abort(); // the other loops and the watcher stop too
    if (!stopping) throw err;
  } finally {
    uninstall();
  }
  return 0;
}

/** How often a tailing `consume` without a group looks for partitions added to the topic. */
const PARTITION_CHECK_MS = 5_000;

/**
 * Looks for new partitions every {@link PARTITION_CHECK_MS} and starts a
 * fetch loop for each: from the first record at `-o @time`, else from the
 * partition's beginning (everything in a partition added after consuming
 * started is new to this reader, whatever `-o` said about the old ones).
 */
async function watchPartitions(
  client: Eddy,
  topic: TopicDescription,
  spec: StartSpec,
  loops: Map<number, Promise<void>>,
  printer: Printer,
  controller: AbortController,
): Promise<void> {
  const signal = controller.signal;
  let known = topic.partitions;
  let failing = false;
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PARTITION_CHECK_MS);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (signal.aborted) return;
    let now: TopicDescription;
    try {
      now = await client.describeTopic({ topic: topic.name }, { signal });
      failing = false;
    } catch (err) {
      if (signal.aborted) return;
      // The fetch loops report a deleted topic or an unreachable endpoint themselves; say it here once.
      if (!failing) warn(`looking for new partitions of ${topic.name}: ${errorText(err)}`);
      failing = true;
      continue;
    }
    for (let p = known; p < now.partitions; p++) {
      const range = now.partitionOffsets.find((o) => o.partition === p);
      const start = spec.kind === 'timestamp' ? (await client.listOffsets({ topic: topic.name, partition: p, at: spec.timestamp }, { signal })).offset : (range?.logStartOffset ?? 0);
      process.stderr.write(`eddy: ${topic.name} now has ${now.partitions} partitions: reading partition ${p} from offset ${start}\n`);
      loops.set(p, readPartition(client, topic.name, p, start, range?.highWatermark ?? 0, false, printer, controller));
    }
    known = Math.max(known, now.partitions);
  }
}

/** The first offset to read in a partition for `-o`, clamped into the readable range. */
async function startOffset(
  client: Eddy,
  topic: string,
  partition: number,
  range: { logStartOffset: number; highWatermark: number } | undefined,
  spec: StartSpec,
  signal: AbortSignal,
): Promise<number> {
  const logStart = range?.logStartOffset ?? 0;
  const end = range?.highWatermark ?? 0;
  switch (spec.kind) {
    case 'beginning':
      return logStart;
    case 'end':
      return end;
    case 'fromEnd':
      return Math.max(logStart, end - spec.count);
    case 'timestamp':
      return (await client.listOffsets({ topic, partition, at: spec.timestamp }, { signal })).offset;
    case 'offset':
      if (spec.offset < logStart || spec.offset > end) {
        const clamped = Math.min(Math.max(spec.offset, logStart), end);
        warn(`partition ${partition}: offset ${spec.offset} is outside [${logStart}, ${end}], starting at ${clamped}`);
        return clamped;
      }
      return spec.offset;
  }
}

async function readPartition(
  client: Eddy,
  topic: string,
  partition: number,
  start: number,
  end: number,
  exitAtEnd: boolean,
  printer: Printer,
  controller: AbortController,
): Promise<void> {
  const signal = controller.signal;
  let position = start;
  while (!signal.aborted && !printer.done) {
    if (exitAtEnd && position >= end) return;
    let fetched;
    try {
      fetched = await client.getRecords({ topic, partition, offset: position, maxBytes: FETCH_BYTES, waitMs: exitAtEnd ? 0 : TAIL_WAIT_MS, encoding: 'base64' }, { signal });
    } catch (err) {
      if (signal.aborted) return;
      if (isEddyError(err, 'OFFSET_OUT_OF_RANGE')) {
        // Retention moved the log start past our position: continue at the new start, as a Kafka consumer would.
        const { offset } = await client.listOffsets({ topic, partition, at: 'earliest' }, { signal });
        warn(`partition ${partition}: offset ${position} is no longer available, continuing at ${offset}`);
        position = offset;
        continue;
      }
      throw err;
    }
    for (const r of fetched.records) {
      if (r.offset < position) continue;
      const printed = await printer.print({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null || r.key === undefined ? null : Buffer.from(r.key, 'base64'),
        value: typeof r.value === 'string' ? Buffer.from(r.value, 'base64') : Buffer.alloc(0),
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      });
      if (!printed) return;
      position = r.offset + 1;
    }
    if (fetched.records.length === 0) {
      if (fetched.nextOffset > position) position = fetched.nextOffset;
      else if (exitAtEnd && position >= fetched.highWatermark) return;
      else if (exitAtEnd) await new Promise((resolve) => setTimeout(resolve, 100)); // a gap the server skips on the next fetch
    }
  }
}

// ---------------------------------------------------------------------------
// As a group member: the SDK consumer.

/** Thrown from the message handler once the CLI is stopping, so the SDK does not count the message as processed. */
class StopDelivery extends Error {
  override readonly name = 'StopDelivery';
}

async function consumeGroup(client: Eddy, topic: TopicDescription, group: string, opts: ConsumeOptions, printer: Printer): Promise<number> {
  const name = topic.name;
  const fromBeginning = opts.offset.kind === 'beginning';
  const ends = new Map(topic.partitionOffsets.map((p) => [p.partition, p.highWatermark]));
  const reached = new Set<number>();
  // Where each partition will start: its committed offset, else the reset policy.
  const markReached = async (): Promise<void> => {
    const committed = await committedOffsets(client, group, name);
    for (const p of topic.partitionOffsets) {
      const start = committed.get(p.partition) ?? (fromBeginning ? p.logStartOffset : p.highWatermark);
      if (start >= p.highWatermark) reached.add(p.partition);
    }
  };
  if (opts.exit) await markReached();

  const consumer = client.consumer({ groupId: group });
  const printedUpTo = new Map<number, number>();
  const committedUpTo = new Map<number, number>();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let running = false;
  let stopRequested = false;
  let stopping: Promise<void> | undefined;
  let stopFailure: unknown;
  // Stops (commits, leaves) once; a stop asked for before `run` started is carried out right after it.
  const stop = (): void => {
    stopRequested = true;
    if (!running) return;
    stopping ??= consumer.stop().then(finish, (err: unknown) => {
      stopFailure = err;
      finish();
    });
  };
  const owned = (): number[] => consumer.assignment().find((t) => t.topic === name)?.partitions ?? [];
  const checkEnd = (): void => {
    const mine = owned();
    if (opts.exit && mine.length > 0 && mine.every((p) => reached.has(p))) stop();
  };

  consumer.on('error', ({ error, partition }) => {
    if (error instanceof StopDelivery) return;
    warn(`${partition !== undefined ? `partition ${partition}: ` : ''}${errorText(error)}`);
  });
  consumer.on('commit', ({ offsets }) => {
    for (const o of offsets) if (o.topic === name) committedUpTo.set(o.partition, Math.max(committedUpTo.get(o.partition) ?? 0, o.offset));
  });
  consumer.on('assignment', () => {
    if (!opts.exit) return;
    // A partition that another member committed past the end meanwhile is done too.
    if (owned().some((p) => !reached.has(p))) markReached().then(checkEnd, () => undefined);
    else checkEnd();
  });
  printer.whenFull(stop);
  printer.out.onClose(stop);
  const uninstall = onInterrupt(stop);
  try {
    await consumer.subscribe({ topics: [name], fromBeginning });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (printer.done) throw new StopDelivery();
        if (!(await printer.print(toOutput(name, partition, message)))) throw new StopDelivery();
        printedUpTo.set(partition, Number(message.offset) + 1);
        if (Number(message.offset) + 1 >= (ends.get(partition) ?? Infinity)) reached.add(partition);
        checkEnd();
      },
    });
    running = true;
    if (stopRequested) stop();
    await finished;
  } finally {
    uninstall();
  }
  if (stopFailure !== undefined) throw stopFailure;
  // The SDK reports a failed final commit as an event; a CLI must say so in its exit code.
  const uncommitted = [...printedUpTo].filter(([p, offset]) => (committedUpTo.get(p) ?? -1) < offset);
  if (uncommitted.length > 0) {
    process.stderr.write(`eddy: could not commit the offsets of partition${uncommitted.length === 1 ? '' : 's'} ${uncommitted.map(([p]) => p).join(', ')} for group ${group}\n`);
    return 1;
  }
  return 0;
}

async function committedOffsets(client: Eddy, group: string, topic: string): Promise<Map<number, number>> {
  try {
    const { offsets } = await client.fetchOffsets({ group, topic });
    return new Map(offsets.filter((o) => o.topic === topic && o.offset >= 0).map((o) => [o.partition, o.offset]));
  } catch (err) {
    if (isEddyError(err, 'GROUP_NOT_FOUND')) return new Map();
    throw err;
  }
}

function toOutput(topic: string, partition: number, m: KafkaMessage): OutputRecord {
  return { topic, partition, offset: Number(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers };
}
