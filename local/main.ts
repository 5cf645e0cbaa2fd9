/**
 * `npm start` / `eddy dev`: Eddy on http://127.0.0.1:4000 with embedded
 * DynamoDB and S3 stand-ins. Ctrl-C finishes in-flight requests and exits.
 */
import { DEFAULTS, ENV, intSetting } from '../core/config.js';

const env = process.env;
// Node 20 is supported here; the AWS SDK's advance notice about Node 22 is noise for a local run.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startLocalHost } = await import('./host.js');
const level = (env[ENV.logLevel] ?? 'info') as 'debug' | 'info' | 'warn' | 'error';

try {
  const host = await startLocalHost({
    port: intSetting(env, 'PORT', DEFAULTS.port),
    dataDir: env[ENV.dataDir] || DEFAULTS.dataDir,
    maintenanceIntervalMs: intSetting(env, ENV.maintenanceIntervalMs, DEFAULTS.maintenanceIntervalMs),
    logLevel: level,
  });
  const dataDir = env[ENV.dataDir] || DEFAULTS.dataDir;
  process.stderr.write(
    [
      `Eddy is listening on ${host.url}  (data in ${dataDir}/, Ctrl-C to stop)`,
      `  HTTP API v1      ${host.url}/v1/topics   (OpenAPI: ${host.url}/v1/openapi.json)`,
      `  Lambda Invoke    ${host.url}/2015-03-31/functions/eddy-produce/invocations`,
      `  Console          ${host.url}/console`,
      `Try:`,
      `  npx eddy topics create orders --partitions 3`,
      `  curl -s -X POST ${host.url}/v1/topics -H 'content-type: application/json' -d '{"name":"orders","partitions":3}'`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests…\n`);
    host.close().then(
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
  process.stderr.write(e.code === 'EADDRINUSE' ? `port in use: set PORT to another port (${e.message})\n` : `eddy: could not start: ${e.message ?? String(err)}\n`);
  process.exit(1);
}
