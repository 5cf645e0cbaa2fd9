/**
 * The spellings a Kafka user types out of habit, turned into Eddy's before
 * commander parses the command line:
 *
 * | typed (kafka-*.sh)                                   | runs                               |
 * |------------------------------------------------------|------------------------------------|
 * | `topics --list`                                      | `topics list`                      |
 * | `topics --create --topic T …`                        | `topics create T …`                |
 * | `topics --describe --topic T` (also --alter, --delete) | `topics describe T`              |
 * | `groups --list`                                      | `groups list`                      |
 * | `groups --describe --group G` (also --delete, --reset-offsets) | `groups describe G`      |
 * | `consume --topic T`, `produce --topic T`             | `consume T`, `produce T`           |
 * | `--replication-factor N`                             | ignored, with a note (S3 and DynamoDB replicate) |
 *
 * Only where nothing clashes: `groups reset-offsets --topic` keeps its own
 * meaning, and an Eddy spelling is never rewritten. `consume
 * --from-beginning` and `--max-messages` are real options of `consume`.
 */

/** Global options that take a value (so their value is not mistaken for the command). */
const GLOBAL_WITH_VALUE = new Set(['--endpoint', '--transport', '--region', '--signing']);

const TOPIC_ACTIONS = ['list', 'create', 'describe', 'alter', 'delete'] as const;
const GROUP_ACTIONS = ['list', 'describe', 'delete', 'reset-offsets'] as const;

/** The result of {@link kafkaSpellings}. */
export interface Translated {
  /** The arguments commander should parse. */
  readonly args: string[];
  /** Notes for stderr (what was ignored and why). */
  readonly notes: string[];
}

/** Removes `--name value` / `--name=value` from `args`, returning the value (undefined when absent). */
function take(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) return args.splice(i, 2)[1];
    if (args[i]!.startsWith(`${name}=`)) return args.splice(i, 1)[0]!.slice(name.length + 1);
  }
  return undefined;
}

/**
 * Rewrites Kafka tool spellings into Eddy's.
 * @param argv - the arguments after `node eddy` (process.argv.slice(2)).
 */
export function kafkaSpellings(argv: readonly string[]): Translated {
  const args = [...argv];
  const notes: string[] = [];
  let at = 0;
  while (at < args.length && args[at]!.startsWith('-')) at += GLOBAL_WITH_VALUE.has(args[at]!) ? 2 : 1;
  const command = args[at];
  if (command === undefined) return { args, notes };
  const head = args.slice(0, at + 1);
  const rest = args.slice(at + 1);
  const hasSubcommand = rest.length > 0 && !rest[0]!.startsWith('-');

  const replication = rest.includes('--replication-factor') || rest.some((a) => a.startsWith('--replication-factor='));
  if (replication && command === 'topics') {
    take(rest, '--replication-factor');
    notes.push('eddy: note: --replication-factor ignored: records are stored in S3 and DynamoDB, which replicate them');
  }

  if (command === 'topics' && !hasSubcommand) {
    const actions = TOPIC_ACTIONS.filter((a) => rest.includes(`--${a}`));
    if (actions.length === 1) {
      const action = actions[0]!;
      rest.splice(rest.indexOf(`--${action}`), 1);
      const topic = action === 'list' ? undefined : take(rest, '--topic');
      return { args: [...head, action, ...(topic !== undefined ? [topic] : []), ...rest], notes };
    }
  }
  if (command === 'groups' && !hasSubcommand) {
    const actions = GROUP_ACTIONS.filter((a) => rest.includes(`--${a}`));
    if (actions.length === 1) {
      const action = actions[0]!;
      rest.splice(rest.indexOf(`--${action}`), 1);
      const group = action === 'list' ? undefined : take(rest, '--group');
      return { args: [...head, action, ...(group !== undefined ? [group] : []), ...rest], notes };
    }
  }
  if ((command === 'consume' || command === 'produce') && !hasSubcommand) {
    const topic = take(rest, '--topic');
    if (topic !== undefined) return { args: [...head, topic, ...rest], notes };
  }
  return { args: [...head, ...rest], notes };
}

/** What to say about a Kafka tool option Eddy has no use for. */
const KAFKA_OPTION_HINTS: Readonly<Record<string, string>> = {
  '--bootstrap-server': 'Eddy is reached over HTTP: use --endpoint <url> or EDDY_ENDPOINT',
  '--zookeeper': 'Eddy is reached over HTTP: use --endpoint <url> or EDDY_ENDPOINT',
  '--broker-list': 'Eddy is reached over HTTP: use --endpoint <url> or EDDY_ENDPOINT',
  '--property': 'print keys with -K <separator>, anything else with -f <format>',
  '--command-config': 'AWS credentials come from the usual AWS_* variables or profile',
};

/**
 * commander's error text as one line: its "(Did you mean …?)" suggestion
 * joins the line, and an option of the Kafka tools gets a hint.
 */
export function oneLineUsageError(text: string): string {
  let line = text
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean (.+?)\?\)/, ' (did you mean $1?)')
    .trimEnd();
  const option = /unknown option '([^'=]+)/.exec(line)?.[1];
  const hint = option !== undefined ? KAFKA_OPTION_HINTS[option] : undefined;
  if (hint && !line.includes('did you mean')) line += ` (${hint})`;
  return `${line.replace(/\s*\n\s*/g, ' ')}\n`;
}
