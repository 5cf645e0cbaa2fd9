/**
 * `eddy trigger TOPIC MODULE[#export]`: runs a trigger handler locally — the
 * same handler file a deployed trigger runs, with the same event shape,
 * ordering, retry, bisect and dead-letter behaviour, because both run the
 * SDK's trigger engine. Runs until Ctrl-C, which lets the batch in flight
 * finish and commit.
 *
 * The handler's console output goes where it would in Lambda (stdout /
 * stderr); the runner's own progress lines go to stderr, prefixed `eddy:`.
 */
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Trigger, type DeadLetter, type EddyHandler, type StartingPosition, type TriggerEvent } from '@eddy/sdk';
import { Command, InvalidArgumentError, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { parseNonNegativeInt, parsePositiveInt } from '../parse.js';

interface TriggerOptions {
  readonly group: string;
  readonly from: StartingPosition;
  readonly batchSize: number;
  readonly windowMs: number;
  readonly retries: number;
  readonly bisect?: boolean;
  readonly deadLetter?: string;
  readonly quiet?: boolean;
}

/** `earliest`, `latest` or `@<epoch-ms>`. */
function parseFrom(value: string): StartingPosition {
  if (value === 'earliest' || value === 'latest') return value;
  const m = /^@(\d+)$/.exec(value);
  if (m) return { timestamp: Number(m[1]) };
  throw new InvalidArgumentError('expected earliest, latest or @<epoch-ms>.');
}

/** A retry count, or -1 for "forever". */
function parseRetries(value: string): number {
  return value.trim() === '-1' ? -1 : parseNonNegativeInt(value);
}

/** The `trigger` command. */
export function triggerCommand(): Command {
  return examples(
    new Command('trigger')
      .description('run a trigger handler (a Lambda-style module) on a topic locally, until Ctrl-C')
      .argument('<topic>', 'topic name')
      .argument('<module>', "handler module (.js, .mjs or .ts), optionally #export (default 'handler')")
      .requiredOption('-g, --group <group>', 'consumer group that records the trigger\'s progress (must have no other members)')
      .addOption(new Option('--from <position>', 'where a partition without a committed offset starts: earliest, latest, @<epoch-ms>').default('latest').argParser(parseFrom))
      .addOption(new Option('--batch-size <n>', 'most records per batch').default(100).argParser(parsePositiveInt))
      .addOption(new Option('--window-ms <n>', 'gather records this long before delivering a short batch').default(0).argParser(parseNonNegativeInt))
      .addOption(new Option('--retries <n>', 'failed attempts retried before a batch is dead-lettered (-1: forever)').default(-1).argParser(parseRetries))
      .option('--bisect', 'split a failing batch in two before retrying (narrows a poison record down to itself)')
      .option('--dead-letter <file>', 'append batches given up on after --retries to this file (JSON lines); without it a failing batch blocks its partition')
      .option('-q, --quiet', 'no progress lines on stderr')
      .addHelpText(
        'after',
        '\nThe handler receives { eventSource: "eddy", topic, partition, groupId, records: [{ topic, partition, offset, timestamp, key, value, headers }] }' +
          '\n(keys, values and header values base64; null stays null) and may return { batchItemFailures: [{ itemIdentifier: "<offset>" }] }.' +
          '\nPer partition: batches in offset order, one in flight, committed to --group after the handler succeeds.',
      )
      .action(action(runTrigger)),
    'eddy trigger orders ./handler.ts --group billing --from earliest',
    'eddy trigger orders ./dist/index.mjs#onOrders --group billing --retries 3 --bisect --dead-letter failed.jsonl',
  );
}

async function loadHandler(spec: string): Promise<EddyHandler> {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : 'handler';
  if (!/\.(c?js|mjs|c?ts|mts)$/.test(file)) throw new UsageError(`handler module ${file} must be a .js, .mjs or .ts file`);
  let mod: Record<string, unknown>;
  try {
    // The CLI runs under tsx, so a .ts handler loads as it is.
    const url = pathToFileURL(resolve(file)).href;
    // TypeScript handlers load through tsx's loader (the CLI itself runs compiled, without it).
    mod = (/\.[cm]?tsx?$/.test(file) ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot load handler module ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fn = mod[name] ?? (name === 'handler' && typeof mod.default === 'object' && mod.default ? (mod.default as Record<string, unknown>).handler : undefined);
  if (typeof fn !== 'function') throw new UsageError(`handler module ${file} has no exported function '${name}'`);
  return fn as EddyHandler;
}

async function runTrigger(ctx: Context, args: string[], opts: TriggerOptions): Promise<number> {
  const [topic, moduleSpec] = args as [string, string];
  const handler = await loadHandler(moduleSpec);
  const client = ctx.client;
  await client.describeTopic({ topic }); // an unknown topic fails now, naming it
  const log = (line: string): void => {
    if (!opts.quiet) process.stderr.write(`eddy: ${line}\n`);
  };
  let requests = 0;
  const trigger = new Trigger(
    { topic, groupId: opts.group, startingPosition: opts.from, batchSize: opts.batchSize, maxBatchingWindowMs: opts.windowMs, retryAttempts: opts.retries, bisectBatchOnError: opts.bisect ?? false },
    {
      client,
      // A Lambda-like context, so handlers that read it do not crash locally.
      deliver: async (event) => handler(event, { functionName: 'eddy-trigger-local', awsRequestId: `local-${++requests}`, getRemainingTimeInMillis: () => 900_000 }) ?? undefined,
      ...(opts.deadLetter ? { deadLetter: (letter: DeadLetter) => appendFile(opts.deadLetter!, `${JSON.stringify(letter)}\n`) } : {}),
      onEvent: (e: TriggerEvent) => log(describe(e)),
    },
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    log('stopping after the batches in flight');
    trigger.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  log(`trigger ${topic} → ${moduleSpec} as group ${opts.group} (Ctrl-C stops)`);
  try {
    await trigger.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

function describe(e: TriggerEvent): string {
  switch (e.type) {
    case 'partitions':
      return `partitions ${e.partitions.join(',')} started`;
    case 'delivered':
      return `delivered partition ${e.partition} offsets ${e.startOffset}-${e.endOffset}`;
    case 'failed':
      return `failed partition ${e.partition} offsets ${e.startOffset}-${e.endOffset} (attempt ${e.attempt}): ${e.error}; retrying in ${e.retryInMs} ms`;
    case 'dead-lettered':
      return `dead-lettered partition ${e.letter.partition} offsets ${e.letter.startOffset}-${e.letter.endOffset} after ${e.letter.attempts} attempts`;
    case 'committed':
      return `committed partition ${e.partition} offset ${e.offset}`;
  }
}
