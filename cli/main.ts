/**
 * Entry point of the `eddy` command (started by `bin/eddy.js`). Runs the
 * command, waits for stdout to drain, and exits with the command's code, so
 * idle keep-alive connections cannot hold the process open. Anything that
 * escapes the commands is still reported as one line, never a stack trace.
 */
import { run } from './program.js';
import { describeFailure, EXIT } from './errors.js';

let code: number;
try {
  code = await run(process.argv);
} catch (err) {
  process.stderr.write(`${describeFailure(err, undefined).line}\n`);
  code = EXIT.failure;
}
if (process.stdout.writableLength > 0) await new Promise((resolve) => process.stdout.once('drain', resolve));
process.exit(code);
