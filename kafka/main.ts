/**
 * `eddy gateway`: the Kafka protocol server against a deployed stack, run
 * next to the applications that use it (the way WarpStream's agents run).
 *
 * It uses the caller's AWS credentials (the SDK's default chain) and the
 * stack's table and bucket names from `EDDY_TOPICS_TABLE`, `EDDY_LOG_TABLE`,
 * `EDDY_GROUPS_TABLE` and `EDDY_BUCKET` (the stack outputs; `eddy gateway`
 * also takes them as flags). `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_S3`
 * point it elsewhere (LocalStack, the stand-ins). It keeps no state: run as
 * many as you like. The deployed gateway (`kafkaGateway` in the CDK
 * construct) runs this file, bundled by `cdk/kafka-gateway/bundle.mjs`.
 */
import { awsComponents } from '../core/adapters/aws/index.js';
import { groupSettings, logSettings, readSettings } from '../core/config.js';
import { createEddy, useNativeCrc32c } from '../core/index.js';
import { readKafkaSettings } from './config.js';
import type { KafkaLogger } from './context.js';
import { startKafkaServer } from './server.js';

const env = process.env;
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Hardware CRC32C when @node-rs/crc32 is installed (`eddy gateway`); the gateway image's bundle keeps the JavaScript one.
useNativeCrc32c();

function logger(): KafkaLogger {
  const line = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields })}\n`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

try {
  const settings = readSettings(env, true);
  const kafka = readKafkaSettings(env);
  if (kafka.port === undefined) throw new Error('EDDY_KAFKA_PORT=0: the gateway has nothing to do');
  const host = env.EDDY_KAFKA_HOST || '0.0.0.0';
  const eddy = createEddy({ components: awsComponents(settings), settings: { log: logSettings(settings), groups: groupSettings(settings) } });
  const server = await startKafkaServer({
    core: eddy,
    host,
    port: kafka.port,
    autoCreateTopics: kafka.autoCreateTopics,
    defaultPartitions: kafka.defaultPartitions,
    // Listening on every interface, the listening address is no address to give clients.
    advertisedHost: kafka.advertisedHost ?? (host === '0.0.0.0' ? '127.0.0.1' : host),
    ...(kafka.advertisedPort ? { advertisedPort: kafka.advertisedPort } : {}),
    log: logger(),
  });
  process.stderr.write(
    `Eddy Kafka gateway on ${host}:${server.port} (advertised as ${server.settings.advertisedHost}:${server.settings.advertisedPort}) over tables ${settings.topicsTable}, ${settings.logTable}, ${settings.groupsTable} and bucket ${settings.bucket}. Ctrl-C to stop.\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests…\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(e.code === 'EADDRINUSE' ? `eddy gateway: port in use, set --port / EDDY_KAFKA_PORT (${e.message})\n` : `eddy gateway: could not start: ${e.message ?? String(err)}\n`);
  process.exit(1);
}
