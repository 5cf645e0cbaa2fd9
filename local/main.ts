/**
 * `npm start` / `eddy dev`: Eddy on http://127.0.0.1:4000 with embedded
 * DynamoDB and S3 stand-ins.
 *
 * SIGINT or SIGTERM (Ctrl-C, a process manager, `docker stop`) shuts down
 * within about two seconds even with consumers attached (see
 * `LocalHost.close`); a second signal exits at once. The stand-ins run in a
 * worker thread of their own: if it dies, the host says so and exits (1).
 */
import { DEFAULTS, ENV, intSetting, readSettings } from '../core/config.js';

const env = process.env;
// Node 20 is supported here; the AWS SDK's advance notice about Node 22 is noise for a local run.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Hardware CRC32C for the handlers of this process (the Lambda functions run the JavaScript one).
(await import('../core/index.js')).useNativeCrc32c();
const { startLocalHost } = await import('./host.js');
const { readKafkaSettings } = await import('../kafka/config.js');
const { DataDirLockedError } = await import('./lock.js');
const level = (env[ENV.logLevel] ?? 'info') as 'debug' | 'info' | 'warn' | 'error';

/** Where the CLI and the SDK send requests when EDDY_ENDPOINT is not set. */
const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULTS.port}`;
/**
 * A repeat of the same Ctrl-C, not a second one: `npm start` and `npx eddy
 * dev` pass the terminal's signal on to a child that got it already from
 * the terminal, so one keypress arrives twice within milliseconds.
 */
const REPEAT_WINDOW_MS = 300;

try {
  const kafka = readKafkaSettings(env);
  const retentionMinAge = env[ENV.retentionMinAgeMs] ? intSetting(env, ENV.retentionMinAgeMs, 60_000) : undefined;
  const { heartbeatIntervalMs, handoverHeartbeatIntervalMs, appendProtocol } = readSettings(env);
  const dataDir = env[ENV.dataDir] || DEFAULTS.dataDir;
  const host = await startLocalHost({
    ...(kafka.port !== undefined ? { kafkaPort: kafka.port } : {}),
    kafka: {
      autoCreateTopics: kafka.autoCreateTopics,
      defaultPartitions: kafka.defaultPartitions,
      ...(kafka.advertisedHost ? { advertisedHost: kafka.advertisedHost } : {}),
      ...(kafka.advertisedPort ? { advertisedPort: kafka.advertisedPort } : {}),
    },
    port: intSetting(env, 'PORT', DEFAULTS.port),
    dataDir,
    maintenanceIntervalMs: intSetting(env, ENV.maintenanceIntervalMs, DEFAULTS.maintenanceIntervalMs),
    logLevel: level,
    settings: {
      ...(retentionMinAge !== undefined ? { retentionMinAgeMs: retentionMinAge } : {}),
      ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {}),
      ...(handoverHeartbeatIntervalMs !== undefined ? { handoverHeartbeatIntervalMs } : {}),
      ...(appendProtocol !== undefined ? { appendProtocol } : {}),
    },
  });
  const custom = host.url !== DEFAULT_ENDPOINT;
  // With another port the CLI and SDK must be told where to go: say how, on every line that needs it.
  const eddy = custom ? `EDDY_ENDPOINT=${host.url} npx eddy` : 'npx eddy';
  process.stderr.write(
    [
      `Eddy is listening on ${host.url}  (data in ${dataDir}/, Ctrl-C to stop)`,
      `  HTTP API v1      ${host.url}/v1/topics   (OpenAPI: ${host.url}/v1/openapi.json)`,
      `  Lambda Invoke    ${host.url}/2015-03-31/functions/eddy-produce/invocations`,
      `  Console          ${host.url}/console`,
      host.kafka
        ? `  Kafka protocol   127.0.0.1:${host.kafka.port}   (advertised as ${host.kafka.settings.advertisedHost}:${host.kafka.settings.advertisedPort}; ${ENV.kafkaPort}=0 turns it off)`
        : `  Kafka protocol   off (${ENV.kafkaPort}=0)`,
      ...(custom ? [`  CLI and SDK      export ${ENV.endpoint}=${host.url}   (they default to ${DEFAULT_ENDPOINT})`] : []),
      ...(retentionMinAge !== undefined ? [`  Retention        entries older than ${retentionMinAge} ms may expire (${ENV.retentionMinAgeMs})`] : []),
      `Try:`,
      `  ${eddy} topics create orders --partitions 3`,
      `  curl -s -X POST ${host.url}/v1/topics -H 'content-type: application/json' -d '{"name":"orders","partitions":3}'`,
      '',
    ].join('\n'),
  );
  let stoppingAt: number | undefined;
  const stop = (signal: string): void => {
    if (stoppingAt !== undefined) {
      if (Date.now() - stoppingAt < REPEAT_WINDOW_MS) return;
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    stoppingAt = Date.now();
    process.stderr.write(`${signal}: finishing in-flight requests… (again to exit at once)\n`);
    host.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  // Without its stand-ins every request would fail: say why and stop, rather than serve errors.
  void host.standins.died.then((err) => {
    if (stoppingAt !== undefined) return;
    stoppingAt = Date.now();
    process.stderr.write(`eddy: ${err.message}; exiting (data in ${dataDir}/ is kept; npm start again to restart)\n`);
    const timer = setTimeout(() => process.exit(1), 2_000);
    void host.close().finally(() => {
      clearTimeout(timer);
      process.exit(1);
    });
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started by `eddy dev` with an IPC channel: if that CLI dies without passing a signal on, stop too.
  if (process.connected) process.once('disconnect', () => stop('eddy dev exited'));
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof DataDirLockedError) process.stderr.write(`eddy: ${err.message}\n`);
  else if (e.code === 'EADDRINUSE') process.stderr.write(`eddy: port in use: set PORT (HTTP) or ${ENV.kafkaPort} (Kafka; 0 turns it off) to another port (${e.message})\n`);
  else process.stderr.write(`eddy: could not start: ${e.message ?? String(err)}\n`);
  process.exit(1);
}
