/**
 * `eddy dev`: the local host, exactly as `npm start` runs it, in a child
 * process (the CLI depends on the SDK only, never on the host's code). The
 * child shares the terminal; Ctrl-C and SIGTERM are passed on to it and the
 * CLI exits with its exit code once it has shut down (within about two
 * seconds; a second Ctrl-C exits at once).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { examples } from '../command.js';
import { describeFailure } from '../errors.js';
import { runTsxChild } from '../io/child.js';
import { parseNonNegativeInt } from '../parse.js';

/** The local host's entry point in this checkout. */
const HOST_MAIN = fileURLToPath(new URL('../../local/main.ts', import.meta.url));

interface DevOptions {
  readonly port?: number;
  readonly dataDir?: string;
  readonly maintenanceInterval?: number;
}

/** The `dev` command. */
export function devCommand(): Command {
  return examples(
    new Command('dev')
      .description('run Eddy locally on http://127.0.0.1:4000 with embedded DynamoDB and S3 stand-ins (same as npm start)')
      .option('--port <port>', 'TCP port (0 picks a free one) [env PORT]', parseNonNegativeInt)
      .option('--data-dir <dir>', 'where data is kept [env EDDY_DATA_DIR, default .eddy]')
      .option('--maintenance-interval <ms>', 'maintenance period, 0 disables [env EDDY_MAINTENANCE_INTERVAL_MS, default 60000]', parseNonNegativeInt)
      .action(async (opts: DevOptions) => {
        try {
          process.exitCode = await runHost(opts);
        } catch (err) {
          const { line, exitCode } = describeFailure(err, undefined);
          process.stderr.write(`${line}\n`);
          process.exitCode = exitCode;
        }
      }),
    'eddy dev',
    'eddy dev --port 4100 --data-dir /tmp/eddy',
  );
}

async function runHost(opts: DevOptions): Promise<number> {
  if (!existsSync(HOST_MAIN)) throw new Error(`eddy dev needs a checkout of Eddy: ${HOST_MAIN} not found`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.port !== undefined) env.PORT = String(opts.port);
  if (opts.dataDir !== undefined) env.EDDY_DATA_DIR = opts.dataDir;
  if (opts.maintenanceInterval !== undefined) env.EDDY_MAINTENANCE_INTERVAL_MS = String(opts.maintenanceInterval);
  // The IPC channel is only a lifeline: if this process dies without passing a signal on, the host notices and stops.
  return runTsxChild(HOST_MAIN, env, { nodeFlags: ['--openssl-legacy-provider'], stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
}
