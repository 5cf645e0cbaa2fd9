/**
 * `eddy topics create|list|describe|alter|delete`: kafka-topics.sh for Eddy.
 */
import { isEddyError, type TopicConfig, type TopicDescription } from '@eddy/sdk';
import { Command, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { humanBytes, humanMs, renderTable } from '../format/table.js';
import { parseConfigPair, parsePositiveInt } from '../parse.js';

interface JsonOption {
  readonly json?: boolean;
}

const jsonOption = (): Option => new Option('--json', 'print JSON instead of a table');
const configOption = (): Option =>
  new Option('--config <key=value>', 'topic setting, repeatable: retention.ms, retention.bytes, max.message.bytes (or retentionMs, …)').argParser(parseConfigPair);

/** The `topics` command group. */
export function topicsCommand(): Command {
  const topics = new Command('topics').description('create, list, describe, alter and delete topics');
  examples(topics, 'eddy topics create orders --partitions 3', 'eddy topics list', 'eddy topics describe orders');

  examples(
    topics
      .command('create')
      .description('create a topic')
      .argument('<name>', 'topic name ([a-zA-Z0-9._-], at most 249 characters)')
      .option('--partitions <n>', 'number of partitions', parsePositiveInt)
      .addOption(configOption())
      .option('--if-not-exists', 'succeed when the topic already exists')
      .addOption(jsonOption())
      .action(action(createTopic)),
    'eddy topics create orders --partitions 3 --config retention.ms=86400000',
    'eddy topics create audit --config retention.ms=-1 --if-not-exists',
  );
  examples(
    topics.command('list').description('list topics').addOption(jsonOption()).action(action(listTopics)),
    'eddy topics list',
    'eddy topics list --json | jq -r .topics[].name',
  );
  examples(
    topics
      .command('describe')
      .description('show a topic: settings, and per partition its log start, high-water mark and segments')
      .argument('<name>', 'topic name')
      .addOption(jsonOption())
      .action(action(describeTopic)),
    'eddy topics describe orders',
  );
  examples(
    topics
      .command('alter')
      .description('add partitions or change settings')
      .argument('<name>', 'topic name')
      .option('--partitions <n>', 'new number of partitions (may only grow)', parsePositiveInt)
      .addOption(configOption())
      .addOption(jsonOption())
      .action(action(alterTopic)),
    'eddy topics alter orders --partitions 6',
    'eddy topics alter orders --config retention.ms=3600000',
  );
  examples(
    topics
      .command('delete')
      .description('delete a topic and all its records')
      .argument('<name>', 'topic name')
      .option('--if-exists', 'succeed when the topic does not exist')
      .action(action(deleteTopic)),
    'eddy topics delete orders',
  );
  return topics;
}

interface CreateOptions extends JsonOption {
  readonly partitions?: number;
  readonly config?: TopicConfig;
  readonly ifNotExists?: boolean;
}

async function createTopic(ctx: Context, [name]: string[], opts: CreateOptions): Promise<void> {
  let topic: TopicDescription;
  let created = true;
  try {
    topic = await ctx.client.createTopic({ name: name!, ...(opts.partitions !== undefined ? { partitions: opts.partitions } : {}), ...(opts.config ? { config: opts.config } : {}) });
  } catch (err) {
    if (!opts.ifNotExists || !isEddyError(err, 'TOPIC_ALREADY_EXISTS')) throw err;
    topic = await ctx.client.describeTopic({ topic: name! });
    created = false;
  }
  if (opts.json) return ctx.out.write(`${JSON.stringify(topic)}\n`);
  const c = topic.config;
  await ctx.out.write(
    `${created ? 'created' : 'exists:'} topic ${topic.name} (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}, retention ${humanMs(c.retentionMs)}` +
      `${c.retentionBytes >= 0 ? ` or ${humanBytes(c.retentionBytes)} per partition` : ''}, max message ${humanBytes(c.maxMessageBytes)})\n`,
  );
}

async function listTopics(ctx: Context, _args: string[], opts: JsonOption): Promise<void> {
  const { topics } = await ctx.client.listTopics();
  const sorted = [...topics].sort((a, b) => a.name.localeCompare(b.name));
  if (opts.json) return ctx.out.write(`${JSON.stringify({ topics: sorted })}\n`);
  await ctx.out.write(renderTable(['TOPIC', 'PARTITIONS'], sorted.map((t) => [t.name, t.partitions])));
}

async function describeTopic(ctx: Context, [name]: string[], opts: JsonOption): Promise<void> {
  const topic = await ctx.client.describeTopic({ topic: name! });
  await ctx.out.write(opts.json ? `${JSON.stringify(topic)}\n` : renderDescription(topic));
}

/** A topic description as kafka-topics.sh --describe would lay it out. */
export function renderDescription(topic: TopicDescription): string {
  const c = topic.config;
  const head =
    `Topic: ${topic.name}${topic.topicId ? `  TopicId: ${topic.topicId}` : ''}  Partitions: ${topic.partitions}\n` +
    `Config: retentionMs=${c.retentionMs} (${humanMs(c.retentionMs)})  retentionBytes=${c.retentionBytes} (${humanBytes(c.retentionBytes)})  maxMessageBytes=${c.maxMessageBytes} (${humanBytes(c.maxMessageBytes)})\n\n`;
  const rows = [...topic.partitionOffsets]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => [p.partition, p.logStartOffset, p.highWatermark, p.highWatermark - p.logStartOffset, p.segments]);
  return head + renderTable(['PARTITION', 'LOG-START-OFFSET', 'HIGH-WATERMARK', 'RECORDS', 'SEGMENTS'], rows);
}

interface AlterOptions extends JsonOption {
  readonly partitions?: number;
  readonly config?: TopicConfig;
}

async function alterTopic(ctx: Context, [name]: string[], opts: AlterOptions): Promise<void> {
  if (opts.partitions === undefined && !opts.config) throw new UsageError('topics alter needs --partitions and/or --config');
  const topic = await ctx.client.alterTopic({ topic: name!, ...(opts.partitions !== undefined ? { partitions: opts.partitions } : {}), ...(opts.config ? { config: opts.config } : {}) });
  await ctx.out.write(opts.json ? `${JSON.stringify(topic)}\n` : `altered topic ${topic.name}\n${renderDescription(topic)}`);
}

interface DeleteOptions {
  readonly ifExists?: boolean;
}

async function deleteTopic(ctx: Context, [name]: string[], opts: DeleteOptions): Promise<void> {
  try {
    await ctx.client.deleteTopic({ topic: name! });
  } catch (err) {
    if (opts.ifExists && isEddyError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) return;
    throw err;
  }
  await ctx.out.write(`deleted topic ${name}\n`);
}
