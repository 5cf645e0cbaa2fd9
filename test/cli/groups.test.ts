/**
 * Consumer groups from the CLI: a partial group consume leaves lag that
 * `eddy groups describe` shows; Ctrl-C commits; reset-offsets plans without
 * writing and applies with --execute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../helpers/host.js';
import { parseTable, runCli, startCli } from './helpers.js';

/** Each CLI run starts a Node process with tsx (~1 s, more on a busy 2-core machine). */
const TIMEOUT = 120_000;

let host: Awaited<ReturnType<typeof testHost>>;
let endpoint: string;
const eddy = (args: string[], input?: string) => runCli(args, { endpoint, ...(input !== undefined ? { input } : {}) });
const values = (stdout: string) => stdout.split('\n').filter(Boolean);

async function topicWith(partitions: number, lines: string): Promise<string> {
  const topic = unique('cli-groups');
  expect((await eddy(['topics', 'create', topic, '--partitions', String(partitions)])).code).toBe(0);
  const produced = await eddy(['produce', topic], lines);
  expect(produced.code, produced.stderr).toBe(0);
  return topic;
}

async function describeRows(group: string): Promise<Record<string, string>[]> {
  const r = await eddy(['groups', 'describe', group]);
  expect(r.code, r.stderr).toBe(0);
  return parseTable(r.stdout, 'TOPIC');
}

beforeAll(async () => {
  host = await testHost();
  endpoint = host.url;
});

afterAll(async () => {
  await host?.cleanup();
});

describe.concurrent('eddy groups', () => {
  it('shows the lag left by a partial group consume, and the next member resumes from the commit', async () => {
    const topic = await topicWith(1, 'a\nb\nc\n');
    const group = unique('g');

    const partial = await eddy(['consume', topic, '-g', group, '-o', 'beginning', '-c', '2']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(values(partial.stdout)).toEqual(['a', 'b']);

    const described = await eddy(['groups', 'describe', group]);
    expect(described.stdout).toMatch(/State: Empty {2}Members: 0/); // the member left on exit
    expect(parseTable(described.stdout, 'TOPIC')).toEqual([{ TOPIC: topic, PARTITION: '0', 'CURRENT-OFFSET': '2', 'LOG-END-OFFSET': '3', LAG: '1', MEMBER: '-' }]);

    const listed = await eddy(['groups', 'list', '--json']);
    expect(JSON.parse(listed.stdout).groups).toContainEqual({ group, state: 'Empty', members: 0 });

    const rest = await eddy(['consume', topic, '-g', group, '-e']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(values(rest.stdout)).toEqual(['c']);
    expect((await describeRows(group))[0]).toMatchObject({ 'CURRENT-OFFSET': '3', LAG: '0' });

    // Everything was consumed: -e exits at once.
    const none = await eddy(['consume', topic, '-g', group, '-e']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
  }, TIMEOUT);

  it('reports lag per partition over a multi-partition topic', async () => {
    const topic = await topicWith(3, Array.from({ length: 12 }, (_, i) => `r${i}`).join('\n'));
    const group = unique('g');
    const r = await eddy(['consume', topic, '-g', group, '-o', 'beginning', '-c', '5']);
    expect(values(r.stdout)).toHaveLength(5);
    const rows = await describeRows(group);
    expect(rows.map((x) => x.PARTITION)).toEqual(['0', '1', '2']);
    // Keyless records are spread round-robin: 4 per partition.
    expect(rows.every((x) => x['LOG-END-OFFSET'] === '4')).toBe(true);
    const lag = rows.reduce((n, x) => n + (x.LAG === '-' ? 4 : Number(x.LAG)), 0);
    expect(lag).toBe(12 - 5);
  }, TIMEOUT);

  it('commits what was printed when stopped with Ctrl-C', async () => {
    const topic = await topicWith(1, 'a\nb\nc\n');
    const group = unique('g');
    const tail = startCli(['consume', topic, '-g', group, '-o', 'beginning'], { endpoint });
    await tail.waitFor('a\nb\nc\n');
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code, result.stderr).toBe(0);
    expect((await describeRows(group))[0]).toMatchObject({ 'CURRENT-OFFSET': '3', LAG: '0', MEMBER: '-' });
  }, TIMEOUT);

  it('plans a reset without writing, applies it with --execute, and deletes the group', async () => {
    const topic = await topicWith(2, 'a\nb\nc\nd\n');
    const group = unique('g');
    expect((await eddy(['consume', topic, '-g', group, '-o', 'beginning', '-e'])).code).toBe(0);
    const before = await describeRows(group);
    expect(before.map((x) => x['CURRENT-OFFSET'])).toEqual(['2', '2']);

    const dry = await eddy(['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(parseTable(dry.stdout, 'TOPIC')).toEqual([
      { TOPIC: topic, PARTITION: '0', 'CURRENT-OFFSET': '2', 'NEW-OFFSET': '0' },
      { TOPIC: topic, PARTITION: '1', 'CURRENT-OFFSET': '2', 'NEW-OFFSET': '0' },
    ]);
    expect(dry.stderr).toContain('dry run');
    expect(await describeRows(group)).toEqual(before);

    const planned = await eddy(['groups', 'reset-offsets', group, '--topic', topic, '--to-offset', '1', '--json']);
    expect(JSON.parse(planned.stdout)).toMatchObject({ executed: false, offsets: [{ partition: 0, currentOffset: 2, newOffset: 1 }, { partition: 1, currentOffset: 2, newOffset: 1 }] });

    const executed = await eddy(['groups', 'reset-offsets', group, '--topic', topic, '--to-offset', '1', '--execute']);
    expect(executed.code, executed.stderr).toBe(0);
    expect(parseTable(executed.stdout, 'TOPIC').map((x) => x['NEW-OFFSET'])).toEqual(['1', '1']);
    expect((await describeRows(group)).map((x) => x['CURRENT-OFFSET'])).toEqual(['1', '1']);
    const again = await eddy(['consume', topic, '-g', group, '-e']);
    expect(values(again.stdout).sort()).toEqual(['c', 'd']);

    const deleted = await eddy(['groups', 'delete', group]);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted group ${group}\n` });
    const gone = await eddy(['groups', 'describe', group]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^eddy: GROUP_NOT_FOUND: .+\n$/);
  }, TIMEOUT);
});

/** Each of these runs a dozen CLI processes, several at once: one test at a time, and room for a loaded 2-core machine. */
const RESET_TIMEOUT = 300_000;

describe('eddy groups reset-offsets, as kafka-consumer-groups.sh --reset-offsets', () => {
  /** A group that consumed everything of two topics (2 and 1 partitions, 3 records per partition). */
  async function consumedGroup(): Promise<{ group: string; a: string; b: string }> {
    const a = await topicWith(2, 'a0\na1\na2\na3\na4\na5\n');
    const b = await topicWith(1, 'b0\nb1\nb2\n');
    const group = unique('g');
    for (const t of [a, b]) expect((await eddy(['consume', t, '-g', group, '-o', 'beginning', '-e'])).code).toBe(0);
    return { group, a, b };
  }
  const plan = async (args: string[]): Promise<{ code: number | null; stderr: string; offsets: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[] }> => {
    const r = await eddy(['groups', 'reset-offsets', ...args, '--json']);
    return { code: r.code, stderr: r.stderr, offsets: r.code === 0 ? (JSON.parse(r.stdout) as { offsets: [] }).offsets : [] };
  };

  it('plans every scenario over several topics without writing, clamping into the readable range', async () => {
    const { group, a, b } = await consumedGroup();
    const before = await describeRows(group);
    const [shift, shiftForward, some, all, current, duration, offset] = await Promise.all([
      plan([group, '--topic', a, '--topic', b, '--shift-by', '-2']),
      plan([group, '--all-topics', '--shift-by', '+5']),
      plan([group, '--topic', `${a}:1`, '--topic', b, '--to-earliest']),
      plan([group, '--all-topics', '--to-latest', '--dry-run']),
      plan([group, '--topic', a, '--to-current']),
      plan([group, '--topic', b, '--by-duration', 'P1D']),
      plan([group, '--topic', b, '--to-offset', '99']),
    ]);
    const newOffsets = (p: typeof shift): string[] => p.offsets.map((o) => `${o.topic === a ? 'a' : 'b'}/${o.partition}:${o.currentOffset}->${o.newOffset}`);
    expect(newOffsets(shift), shift.stderr).toEqual(['a/0:3->1', 'a/1:3->1', 'b/0:3->1']);
    expect(newOffsets(shiftForward), shiftForward.stderr).toEqual([...[a, b].sort()].flatMap((t) => (t === a ? ['a/0:3->3', 'a/1:3->3'] : ['b/0:3->3'])));
    expect(newOffsets(some)).toEqual(['a/1:3->0', 'b/0:3->0']);
    expect(all.offsets).toHaveLength(3);
    expect(newOffsets(current)).toEqual(['a/0:3->3', 'a/1:3->3']);
    expect(newOffsets(duration)).toEqual(['b/0:3->0']); // everything was produced within the last day
    expect(newOffsets(offset)).toEqual(['b/0:3->3']);
    for (const p of [shift, some, all]) expect(p.stderr).toContain('dry run, nothing changed');
    expect(await describeRows(group)).toEqual(before);
  }, RESET_TIMEOUT);

  it('applies a multi-topic shift with --execute in one commit', async () => {
    const { group, a, b } = await consumedGroup();
    const executed = await eddy(['groups', 'reset-offsets', group, '--topic', a, '--topic', b, '--shift-by', '-1', '--execute']);
    expect(executed.code, executed.stderr).toBe(0);
    expect(executed.stderr).toBe('');
    expect((await describeRows(group)).map((r) => `${r.TOPIC === a ? 'a' : 'b'}/${r.PARTITION}=${r['CURRENT-OFFSET']}`).sort()).toEqual(['a/0=2', 'a/1=2', 'b/0=2']);
    const again = await eddy(['consume', b, '-g', group, '-e']);
    expect(values(again.stdout)).toEqual(['b2']);
  }, RESET_TIMEOUT);

  it('refuses what kafka-consumer-groups.sh refuses, naming why', async () => {
    const { group, a } = await consumedGroup();
    const fresh = unique('g');
    const [noCommit, noScenario, noTopic, both, badPartition, badDuration] = await Promise.all([
      eddy(['groups', 'reset-offsets', fresh, '--topic', a, '--shift-by', '1']),
      eddy(['groups', 'reset-offsets', group, '--topic', a]),
      eddy(['groups', 'reset-offsets', group, '--to-earliest']),
      eddy(['groups', 'reset-offsets', group, '--topic', a, '--all-topics', '--to-earliest']),
      eddy(['groups', 'reset-offsets', group, '--topic', `${a}:7`, '--to-earliest']),
      eddy(['groups', 'reset-offsets', group, '--topic', a, '--by-duration', 'yesterday']),
    ]);
    expect(noCommit.code).toBe(1);
    expect(noCommit.stderr).toMatch(new RegExp(`cannot shift ${a}/0, ${a}/1: group ${fresh} has no committed offset`));
    expect(noScenario).toMatchObject({ code: 2 });
    expect(noScenario.stderr).toContain('--to-current, --to-offset, --to-datetime, --by-duration, --shift-by');
    expect(noTopic.code).toBe(2);
    expect(noTopic.stderr).toContain('needs --topic (repeatable) or --all-topics');
    expect(both.code).toBe(2);
    expect(badPartition.code).toBe(1);
    expect(badPartition.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION: .* has no partition 7/);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('ISO-8601 duration');

    // A group with a live member cannot be moved.
    const member = startCli(['consume', a, '-g', group], { endpoint });
    try {
      for (let i = 0; i < 100 && !/Members: 1/.test((await eddy(['groups', 'describe', group])).stdout); i++) await new Promise((r) => setTimeout(r, 300));
      const refused = await eddy(['groups', 'reset-offsets', group, '--topic', a, '--to-earliest', '--execute']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^eddy: NON_EMPTY_GROUP: /);
    } finally {
      member.child.kill('SIGINT');
      await member.done;
    }
  }, RESET_TIMEOUT);
});
