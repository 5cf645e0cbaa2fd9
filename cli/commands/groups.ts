/**
 * `eddy groups list|describe|reset-offsets|delete`: kafka-consumer-groups.sh
 * for Eddy.
 */
import { isEddyError, type Eddy, type GroupDescription, type ResetTarget, type TopicDescription } from '@eddy/sdk';
import { Command, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTable, type Cell } from '../format/table.js';
import { parseDateTime, parseNonNegativeInt } from '../parse.js';

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
      .description("move a group's committed offsets of a topic (dry run unless --execute; the group must have no live members)")
      .argument('<group>', 'group name')
      .requiredOption('--topic <topic>', 'the topic whose offsets move')
      .addOption(new Option('--to-earliest', 'to the log start of each partition'))
      .addOption(new Option('--to-latest', 'to the high-water mark of each partition'))
      .addOption(new Option('--to-offset <n>', 'to this offset in each partition (clamped into the readable range)').argParser(parseNonNegativeInt))
      .addOption(new Option('--to-datetime <iso>', 'to the first record at or after this time, e.g. 2024-05-01T12:00:00Z').argParser(parseDateTime))
      .option('--execute', 'apply the change (without it, only show it)')
      .addOption(jsonOption())
      .action(action(resetOffsets)),
    'eddy groups reset-offsets billing --topic orders --to-datetime 2024-05-01T00:00:00Z',
    'eddy groups reset-offsets billing --topic orders --to-earliest --execute',
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
  readonly topic: string;
  readonly toEarliest?: boolean;
  readonly toLatest?: boolean;
  readonly toOffset?: number;
  readonly toDatetime?: number;
  readonly execute?: boolean;
}

function resetTarget(opts: ResetOptions): ResetTarget {
  const chosen: ResetTarget[] = [];
  if (opts.toEarliest) chosen.push('earliest');
  if (opts.toLatest) chosen.push('latest');
  if (opts.toOffset !== undefined) chosen.push({ offset: opts.toOffset });
  if (opts.toDatetime !== undefined) chosen.push({ timestamp: opts.toDatetime });
  if (chosen.length !== 1) throw new UsageError('reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime');
  return chosen[0]!;
}

async function resetOffsets(ctx: Context, [group]: string[], opts: ResetOptions): Promise<void> {
  const to = resetTarget(opts);
  const client = ctx.client;
  const topic = await client.describeTopic({ topic: opts.topic });
  const current = await committed(client, group!, opts.topic);
  let next: Map<number, number>;
  if (opts.execute) {
    const result = await client.resetOffsets({ group: group!, topic: opts.topic, to });
    next = new Map(result.offsets.filter((o) => o.topic === opts.topic).map((o) => [o.partition, o.offset]));
  } else {
    next = await plannedOffsets(client, topic, to);
  }
  const partitions = Array.from({ length: topic.partitions }, (_, i) => i);
  if (opts.json) {
    const offsets = partitions.map((p) => ({ topic: opts.topic, partition: p, currentOffset: current.get(p) ?? null, newOffset: next.get(p) ?? null }));
    await ctx.out.write(`${JSON.stringify({ group, executed: opts.execute === true, offsets })}\n`);
  } else {
    const rows: Cell[][] = partitions.map((p) => [opts.topic, p, current.get(p), next.get(p)]);
    await ctx.out.write(renderTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows));
  }
  if (!opts.execute) {
    const members = await liveMembers(client, group!);
    process.stderr.write(
      `eddy: dry run, nothing changed; add --execute to apply${members > 0 ? ` (the group has ${members} live member${members === 1 ? '' : 's'}: it must be empty first)` : ''}\n`,
    );
  }
}

/** What a reset would write, computed without writing: one listOffsets per partition. */
async function plannedOffsets(client: Eddy, topic: TopicDescription, to: ResetTarget): Promise<Map<number, number>> {
  const planned = new Map<number, number>();
  await Promise.all(
    topic.partitionOffsets.map(async ({ partition, logStartOffset, highWatermark }) => {
      if (typeof to === 'object' && 'offset' in to) {
        planned.set(partition, Math.min(Math.max(to.offset, logStartOffset), highWatermark));
        return;
      }
      const at = typeof to === 'string' ? to : to.timestamp;
      planned.set(partition, (await client.listOffsets({ topic: topic.name, partition, at })).offset);
    }),
  );
  return planned;
}

async function committed(client: Eddy, group: string, topic: string): Promise<Map<number, number>> {
  try {
    const { offsets } = await client.fetchOffsets({ group, topic });
    return new Map(offsets.filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]));
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
