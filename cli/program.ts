/**
 * The `eddy` command tree (commander). Global options (endpoint, transport,
 * region, signing) are accepted before or after the command; usage errors
 * are one line on stderr and exit 2.
 */
import { Command, CommanderError, Option } from 'commander';
import { examples } from './command.js';
import { consoleCommand } from './commands/console.js';
import { consumeCommand } from './commands/consume.js';
import { devCommand } from './commands/dev.js';
import { groupsCommand } from './commands/groups.js';
import { maintenanceCommand } from './commands/maintenance.js';
import { produceCommand } from './commands/produce.js';
import { topicsCommand } from './commands/topics.js';
import { CLI_ENV, DEFAULT_ENDPOINT } from './context.js';
import { EXIT } from './errors.js';
import { kafkaSpellings, oneLineUsageError } from './kafka-spellings.js';

/** Builds the program. Settings that subcommands inherit are set before they are added. */
export function buildProgram(): Command {
  const program = new Command('eddy')
    .description('Eddy: serverless Kafka-style event streams — topics, produce, consume, consumer groups')
    .version('0.1.0', '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`eddy: ${oneLineUsageError(text)}`) })
    .addOption(new Option('--endpoint <url>', `API base URL (http), or Lambda API endpoint override (lambda) [env ${CLI_ENV.endpoint}, default ${DEFAULT_ENDPOINT}]`))
    .addOption(new Option('--transport <transport>', 'how requests travel').choices(['http', 'lambda']).default('http'))
    .addOption(new Option('--region <region>', 'AWS region for SigV4 signing and Lambda [default from the endpoint, else AWS_REGION]'))
    .addOption(new Option('--signing <mode>', 'SigV4-sign HTTP requests: auto signs when AWS credentials exist (never for localhost)').choices(['auto', 'always', 'never']));
  program.addCommand(devCommand());
  program.addCommand(topicsCommand());
  program.addCommand(produceCommand());
  program.addCommand(consumeCommand());
  program.addCommand(groupsCommand());
  program.addCommand(maintenanceCommand());
  program.addCommand(consoleCommand());
  inherit(program);
  return examples(
    program,
    'eddy dev',
    'eddy topics create orders --partitions 3',
    "printf 'k1:v1\\nk2:v2\\n' | eddy produce orders -K :",
    'eddy consume orders -o beginning -e',
    'eddy groups describe billing',
    'eddy maintenance run',
    'eddy console --endpoint https://abc.execute-api.eu-west-1.amazonaws.com',
    'EDDY_ENDPOINT=https://abc.execute-api.eu-west-1.amazonaws.com eddy topics list',
    'eddy --transport lambda --region eu-west-1 topics list',
  ).addHelpText(
    'after',
    '\nKafka tool spellings work too: topics --list, topics --create --topic T, groups --describe --group G,\nconsume --topic T --from-beginning --max-messages N (see docs/cli.md).\n',
  );
}

/** Commands built on their own (`new Command`) get the program's error handling too. */
function inherit(parent: Command): void {
  for (const sub of parent.commands) {
    sub.copyInheritedSettings(parent);
    inherit(sub);
  }
}

/**
 * Runs the CLI on `argv` (process.argv shape) and resolves with the exit code.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const { args, notes } = kafkaSpellings(argv.slice(2));
  for (const note of notes) process.stderr.write(`${note}\n`);
  try {
    await program.parseAsync([...argv.slice(0, 2), ...args]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error (help shown for a missing command included) is a usage error, already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
