/**
 * `eddy groups list|describe|reset-offsets|delete`: kafka-consumer-groups.sh
 * for Eddy.
 */
import { EddyError, isEddyError, type Eddy, type GroupDescription, type TopicDescription } from '@eddy/sdk';
import { Command, InvalidArgumentError, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTable, type Cell } from '../format/table.js';
import { parseDateTime, parseDuration, parseInteger, parseNonNegativeInt } from '../parse.js';

interface JsonOption {
  readonly json?: boolean;
}

const jsonOption = (): Option => new Option('--json', 'print JSON instead of a table');

/** The `groups` command group. */
export function groupsCommand(): Command {
  const groups = new Command('groups').description('list, describe, reset and delete consumer groups');
  examples(groups, 'eddy groups list', 'eddy groups describe billing', 'eddy groups reset-offsets billing --topic orders --to-earliest --execute');

  examples(groups.command('list').description('list consumer groups').addOption(jsonOption()).action(action(listGroups)), 'eddy groups list');
  examples(
    groups
      .command('describe')
      .description('committed offsets, log-end offsets, lag and owner of every partition the group consumes')
      .argument('<group>', 'group name')
      .option('--members', 'also list the live members and their assignments')
      .addOption(jsonOption())
      .action(action(describeGroup)),
    'eddy groups describe billing',
    'eddy groups describe billing --members',
  );
  examples(
    groups
      .command('reset-offsets')
      .description(
        "move a group's committed offsets, as kafka-consumer-groups.sh --reset-offsets does: a dry run unless --execute; the group must have no live members to execute; new offsets are clamped into each partition's readable range",
      )
      .argument('<group>', 'group name')
      .addOption(new Option('--topic <topic[:p,p]>', 'a topic whose offsets move, optionally only some partitions (repeatable)').argParser(parseTopicPartitions))
      .addOption(new Option('--all-topics', 'every topic the group has committed offsets for'))
      .addOption(new Option('--to-earliest', 'to the log start of each partition'))
      .addOption(new Option('--to-latest', 'to the high-water mark (log end) of each partition'))
      .addOption(new Option('--to-current', 'to the committed offset (the log end where there is none)'))
      .addOption(new Option('--to-offset <n>', 'to this offset in each partition').argParser(parseNonNegativeInt))
      .addOption(new Option('--to-datetime <iso>', 'to the first record at or after this time, e.g. 2024-05-01T12:00:00Z').argParser(parseDateTime))
      .addOption(new Option('--by-duration <duration>', 'to the first record at or after this long ago: ISO-8601 (PT15M, P1DT2H) or 90s, 15m, 2h, 1d').argParser(parseDuration))
      .addOption(new Option('--shift-by <n>', 'move each committed offset by n (negative: back)').argParser(parseInteger))
      .addOption(new Option('--dry-run', 'only show the new offsets (the default)'))
      .option('--execute', 'apply the change (without it, only show it)')
      .addOption(jsonOption())
      .action(action(resetOffsets)),
    'eddy groups reset-offsets billing --topic orders --to-datetime 2024-05-01T00:00:00Z',
    'eddy groups reset-offsets billing --topic orders --to-earliest --execute',
    'eddy groups reset-offsets billing --all-topics --by-duration PT1H --execute',
    'eddy groups reset-offsets billing --topic orders:0,2 --shift-by -10',
  );
  examples(groups.command('delete').description('delete a group without live members, with its committed offsets').argument('<group>', 'group name').action(action(deleteGroup)), 'eddy groups delete billing');
  return groups;
}

async function listGroups(ctx: Context, _args: string[], opts: JsonOption): Promise<void> {
  const { groups } = await ctx.client.listGroups();
  const sorted = [...groups].sort((a, b) => a.group.localeCompare(b.group));
  if (opts.json) return ctx.out.write(`${JSON.stringify({ groups: sorted })}\n`);
  await ctx.out.write(renderTable(['GROUP', 'STATE', 'MEMBERS'], sorted.map((g) => [g.group, g.state, g.members])));
}

interface DescribeOptions extends JsonOption {
  readonly members?: boolean;
}

/** One row of `groups describe`. */
interface LagRow {
  readonly topic: string;
  readonly partition: number;
  readonly currentOffset: number | undefined;
  readonly logEndOffset: number | undefined;
  readonly lag: number | undefined;
  readonly member: string | undefined;
}

async function describeGroup(ctx: Context, [group]: string[], opts: DescribeOptions): Promise<void> {
  const d = await ctx.client.describeGroup({ group: group! });
  if (opts.json) return ctx.out.write(`${JSON.stringify(d)}\n`);
  const rows = await lagRows(ctx.client, d);
  let text = `Group: ${d.group}  State: ${d.state}  Members: ${d.members.length}\n\n`;
  text += renderTable(
    ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER'],
    rows.map((r) => [r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.member]),
  );
  if (opts.members && d.members.length === 0) text += '\nNo live members.\n';
  else if (opts.members) {
    const now = Date.now();
    text += `\n${renderTable(
      ['MEMBER', 'EPOCH', 'TOPICS', 'ASSIGNMENT', 'LAST-HEARTBEAT'],
      d.members.map((m) => [
        m.memberId,
        m.memberEpoch,
        m.topics.join(','),
        m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' '),
        `${Math.max(0, Math.round((now - m.lastHeartbeatMs) / 1000))}s ago`,
      ]),
    )}`;
  }
  await ctx.out.write(text);
}

/**
 * Every partition of every topic the group has offsets for or is subscribed
 * to: the committed offset and lag where there is a commit, `-` where there
 * is none (as kafka-consumer-groups.sh prints), and the owning member.
 */
async function lagRows(client: Eddy, d: GroupDescription): Promise<LagRow[]> {
  const owner = new Map<string, string>();
  for (const m of d.members) for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}\u0000${p}`, m.memberId);
  const topics = new Set<string>([...d.offsets.map((o) => o.topic), ...d.members.flatMap((m) => [...m.topics, ...m.assignment.map((a) => a.topic)])]);
  const described = new Map<string, TopicDescription>();
  await Promise.all(
    [...topics].map(async (t) => {
      try {
        described.set(t, await client.describeTopic({ topic: t }));
      } catch (err) {
        if (!isEddyError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw err; // a deleted topic keeps its committed rows only
      }
    }),
  );
  const rows: LagRow[] = [];
  for (const topic of [...topics].sort()) {
    const committed = new Map(d.offsets.filter((o) => o.topic === topic).map((o) => [o.partition, o]));
    const desc = described.get(topic);
    const partitions = new Set<number>([...committed.keys(), ...(desc ? Array.from({ length: desc.partitions }, (_, i) => i) : [])]);
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const c = committed.get(partition);
      const end = c?.highWatermark ?? desc?.partitionOffsets.find((p) => p.partition === partition)?.highWatermark;
      rows.push({ topic, partition, currentOffset: c?.offset, logEndOffset: end, lag: c?.lag, member: owner.get(`${topic}\u0000${partition}`) ?? c?.memberId });
    }
  }
  return rows;
}

interface ResetOptions extends JsonOption {
  readonly topic?: TopicSelection[];
  readonly allTopics?: boolean;
  readonly toEarliest?: boolean;
  readonly toLatest?: boolean;
  readonly toOffset?: number;
  readonly toDatetime?: number;
  readonly byDuration?: number;
  readonly shiftBy?: number;
  readonly toCurrent?: boolean;
  readonly execute?: boolean;
  readonly dryRun?: boolean;
}

/** Where `reset-offsets` moves each partition (kafka-consumer-groups.sh's scenarios). */
type ResetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'current' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'time'; readonly timestamp: number }
  | { readonly kind: 'shift'; readonly by: number };

function resetSpec(opts: ResetOptions): ResetSpec {
  const chosen: ResetSpec[] = [];
  if (opts.toEarliest) chosen.push({ kind: 'earliest' });
  if (opts.toLatest) chosen.push({ kind: 'latest' });
  if (opts.toCurrent) chosen.push({ kind: 'current' });
  if (opts.toOffset !== undefined) chosen.push({ kind: 'offset', offset: opts.toOffset });
  if (opts.toDatetime !== undefined) chosen.push({ kind: 'time', timestamp: opts.toDatetime });
  if (opts.byDuration !== undefined) chosen.push({ kind: 'time', timestamp: Date.now() - opts.byDuration });
  if (opts.shiftBy !== undefined) chosen.push({ kind: 'shift', by: opts.shiftBy });
  if (chosen.length !== 1) throw new UsageError(`reset-offsets needs exactly one of ${RESET_SCENARIOS}`);
  return chosen[0]!;
}

const RESET_SCENARIOS = '--to-earliest, --to-latest, --to-current, --to-offset, --to-datetime, --by-duration, --shift-by';

/** One `--topic` value: a topic, optionally with `:p,p,…` (kafka-consumer-groups.sh's `topic:0,1`). */
export function parseTopicPartitions(value: string, previous: TopicSelection[] = []): TopicSelection[] {
  const colon = value.lastIndexOf(':');
  if (colon < 0) return [...previous, { topic: value }];
  const topic = value.slice(0, colon);
  const list = value.slice(colon + 1);
  if (topic === '' || !/^\d+(,\d+)*$/.test(list)) throw new InvalidArgumentError(`expected TOPIC or TOPIC:P,P,… (partition numbers), got ${JSON.stringify(value)}.`);
  return [...previous, { topic, partitions: list.split(',').map(Number) }];
}

/** A topic of a reset, with the partitions it touches (all when absent). */
interface TopicSelection {
  readonly topic: string;
  readonly partitions?: readonly number[];
}

/** One row of a reset plan. */
interface PlanRow {
  readonly topic: string;
  readonly partition: number;
  readonly current: number | undefined;
  readonly next: number;
}

/**
 * `kafka-consumer-groups.sh --reset-offsets`: the plan is computed here,
 * printed, and with `--execute` written as one commit without member fields,
 * which the server accepts only while the group has no live members. New
 * offsets are clamped into each partition's readable range, as Kafka does.
 */
async function resetOffsets(ctx: Context, [group]: string[], opts: ResetOptions): Promise<number> {
  const spec = resetSpec(opts);
  if (opts.execute && opts.dryRun) throw new UsageError('--dry-run and --execute exclude each other');
  if (!!opts.allTopics === !!opts.topic?.length) throw new UsageError('reset-offsets needs --topic (repeatable) or --all-topics');
  const client = ctx.client;
  const current = await committed(client, group!);
  const selections: TopicSelection[] = opts.allTopics ? [...new Set([...current.keys()].map((k) => k.split('\u0000')[0]!))].sort().map((topic) => ({ topic })) : mergeSelections(opts.topic!);
  if (selections.length === 0) throw new EddyError('GROUP_NOT_FOUND', `group ${group} has no committed offsets, so --all-topics selects nothing: name the topics with --topic`);

  const rows: PlanRow[] = [];
  const missing: string[] = [];
  for (const selection of selections) {
    const topic = await client.describeTopic({ topic: selection.topic });
    const all = Array.from({ length: topic.partitions }, (_, i) => i);
    const partitions = selection.partitions ?? all;
    const unknown = partitions.filter((p) => p >= topic.partitions);
    if (unknown.length > 0) throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic.name} has no partition ${unknown.join(', ')} (it has ${topic.partitions})`);
    const planned = await Promise.all(
      partitions.map(async (partition): Promise<PlanRow | undefined> => {
        const range = topic.partitionOffsets.find((o) => o.partition === partition) ?? { logStartOffset: 0, highWatermark: 0 };
        const now = current.get(`${topic.name}\u0000${partition}`);
        let target: number;
        switch (spec.kind) {
          case 'earliest':
            target = range.logStartOffset;
            break;
          case 'latest':
            target = range.highWatermark;
            break;
          case 'current':
            // No commit yet: the log end, as kafka-consumer-groups.sh does.
            target = now ?? range.highWatermark;
            break;
          case 'offset':
            target = spec.offset;
            break;
          case 'time':
            target = (await client.listOffsets({ topic: topic.name, partition, at: spec.timestamp })).offset;
            break;
          case 'shift':
            if (now === undefined) {
              missing.push(`${topic.name}/${partition}`);
              return undefined;
            }
            target = now + spec.by;
            break;
        }
        const next = Math.min(Math.max(target, range.logStartOffset), range.highWatermark);
        return { topic: topic.name, partition, current: now, next };
      }),
    );
    for (const row of planned) if (row) rows.push(row);
  }
  if (missing.length > 0) {
    throw new EddyError('INVALID_REQUEST', `cannot shift ${missing.join(', ')}: group ${group} has no committed offset there to shift from (use --to-earliest, --to-latest or --to-offset for them)`);
  }

  if (opts.execute) {
    await client.commitOffsets({ group: group!, offsets: rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next })) });
  }
  if (opts.json) {
    const offsets = rows.map((r) => ({ topic: r.topic, partition: r.partition, currentOffset: r.current ?? null, newOffset: r.next }));
    await ctx.out.write(`${JSON.stringify({ group, executed: opts.execute === true, offsets })}\n`);
  } else {
    await ctx.out.write(renderTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows.map((r): Cell[] => [r.topic, r.partition, r.current, r.next])));
  }
  if (!opts.execute) {
    const members = await liveMembers(client, group!);
    process.stderr.write(
      `eddy: dry run, nothing changed; add --execute to apply${members > 0 ? ` (the group has ${members} live member${members === 1 ? '' : 's'}: it must be empty first)` : ''}\n`,
    );
  }
  return 0;
}

/** Joins repeated `--topic`s of one topic; a topic named without partitions means all of them. */
function mergeSelections(selections: readonly TopicSelection[]): TopicSelection[] {
  const byTopic = new Map<string, Set<number> | 'all'>();
  for (const s of selections) {
    const seen = byTopic.get(s.topic);
    if (seen === 'all' || !s.partitions) byTopic.set(s.topic, 'all');
    else byTopic.set(s.topic, new Set([...(seen ?? []), ...s.partitions]));
  }
  return [...byTopic].map(([topic, p]) => (p === 'all' ? { topic } : { topic, partitions: [...p].sort((a, b) => a - b) }));
}

/** The group's committed offsets, keyed `topic\0partition`. */
async function committed(client: Eddy, group: string): Promise<Map<string, number>> {
  try {
    const { offsets } = await client.fetchOffsets({ group });
    return new Map(offsets.filter((o) => o.offset >= 0).map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
  } catch (err) {
    if (isEddyError(err, 'GROUP_NOT_FOUND')) return new Map();
    throw err;
  }
}

async function liveMembers(client: Eddy, group: string): Promise<number> {
  try {
    return (await client.describeGroup({ group })).members.length;
  } catch (err) {
    if (isEddyError(err, 'GROUP_NOT_FOUND')) return 0;
    throw err;
  }
}

async function deleteGroup(ctx: Context, [group]: string[]): Promise<void> {
  await ctx.client.deleteGroup({ group: group! });
  await ctx.out.write(`deleted group ${group}\n`);
}
