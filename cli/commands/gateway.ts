/**
 * `eddy gateway`: the Kafka protocol server against a deployed stack, in a
 * child process (the CLI depends on the SDK only, never on core). The
 * gateway reads the stack's tables and bucket with the caller's AWS
 * credentials; Ctrl-C and SIGTERM are passed on to it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { examples } from '../command.js';
import { describeFailure, UsageError } from '../errors.js';
import { runTsxChild } from '../io/child.js';
import { parseNonNegativeInt } from '../parse.js';

/** The gateway's entry point in this checkout. */
const GATEWAY_MAIN = fileURLToPath(new URL('../../kafka/main.ts', import.meta.url));

interface GatewayOptions {
  readonly port?: number;
  readonly host?: string;
  readonly advertised?: string;
  readonly topicsTable?: string;
  readonly logTable?: string;
  readonly groupsTable?: string;
  readonly bucket?: string;
  readonly autoCreateTopics?: boolean;
}

/** The `gateway` command. */
export function gatewayCommand(): Command {
  const command = examples(
    new Command('gateway')
      .description('serve the Kafka protocol against a deployed Eddy stack (your AWS credentials; tables and bucket from flags or EDDY_* variables)')
      .option('--port <port>', 'TCP port to listen on [env EDDY_KAFKA_PORT, default 9092]', parseNonNegativeInt)
      .option('--host <address>', 'address to listen on [default 0.0.0.0]')
      .option('--advertised <host:port>', 'address clients are told to connect to [env EDDY_KAFKA_ADVERTISED, default 127.0.0.1:<port>]')
      .option('--topics-table <name>', 'the stack output TopicsTableName [env EDDY_TOPICS_TABLE]')
      .option('--log-table <name>', 'the stack output LogTableName [env EDDY_LOG_TABLE]')
      .option('--groups-table <name>', 'the stack output GroupsTableName [env EDDY_GROUPS_TABLE]')
      .option('--bucket <name>', 'the stack output BucketName [env EDDY_BUCKET]')
      .option('--no-auto-create-topics', 'do not create topics that Metadata requests name [env EDDY_KAFKA_AUTO_CREATE_TOPICS=false]')
      .action(async (opts: GatewayOptions) => {
        try {
          process.exitCode = await runGateway(opts);
        } catch (err) {
          const { line, exitCode } = describeFailure(err, undefined);
          process.stderr.write(`${line}\n`);
          process.exitCode = exitCode;
        }
      }),
    'AWS_REGION=eu-west-1 EDDY_TOPICS_TABLE=… EDDY_LOG_TABLE=… EDDY_GROUPS_TABLE=… EDDY_BUCKET=… eddy gateway',
    'eddy gateway --port 9092 --advertised kafka.internal:9092 --topics-table eddy-topics --log-table eddy-log --groups-table eddy-groups --bucket my-eddy-data',
  );
  return command.addHelpText(
    'after',
    [
      '',
      'AWS: credentials and region from the SDK\'s default chain (AWS_PROFILE, AWS_REGION, ...).',
      'Other endpoints (LocalStack, a VPC endpoint, the local stand-ins): AWS_ENDPOINT_URL_DYNAMODB and',
      'AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL for both); S3 then uses path-style addressing.',
      '',
    ].join('\n'),
  );
}

async function runGateway(opts: GatewayOptions): Promise<number> {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`eddy gateway needs a checkout of Eddy: ${GATEWAY_MAIN} not found`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  const set = (name: string, value: string | number | undefined): void => {
    if (value !== undefined) env[name] = String(value);
  };
  set('EDDY_KAFKA_PORT', opts.port);
  set('EDDY_KAFKA_HOST', opts.host);
  set('EDDY_KAFKA_ADVERTISED', opts.advertised);
  set('EDDY_TOPICS_TABLE', opts.topicsTable);
  set('EDDY_LOG_TABLE', opts.logTable);
  set('EDDY_GROUPS_TABLE', opts.groupsTable);
  set('EDDY_BUCKET', opts.bucket);
  if (opts.autoCreateTopics === false) env.EDDY_KAFKA_AUTO_CREATE_TOPICS = 'false';
  const missing = ['EDDY_TOPICS_TABLE', 'EDDY_LOG_TABLE', 'EDDY_GROUPS_TABLE', 'EDDY_BUCKET'].filter((n) => !env[n]);
  if (missing.length > 0) {
    const outputs: Record<string, string> = { EDDY_TOPICS_TABLE: 'TopicsTableName', EDDY_LOG_TABLE: 'LogTableName', EDDY_GROUPS_TABLE: 'GroupsTableName', EDDY_BUCKET: 'BucketName' };
    throw new UsageError(`gateway: missing ${missing.map((n) => `${n} (stack output ${outputs[n]})`).join(', ')}; pass them as flags or environment variables`);
  }
  return runTsxChild(GATEWAY_MAIN, env);
}
