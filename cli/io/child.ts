/**
 * Running a long-lived server (the local host, the Kafka gateway) as a child
 * of the CLI: Ctrl-C and SIGTERM are passed on to it, and the CLI exits with
 * its code (130 / 143 when it ended by that signal).
 */
import { spawn, type StdioOptions } from 'node:child_process';

/**
 * Runs `node <nodeFlags> --import tsx <script>` (tsx resolved from this
 * checkout, so it works from any working directory) and resolves with the
 * child's exit code.
 */
export async function runTsxChild(script: string, env: NodeJS.ProcessEnv, options: { readonly nodeFlags?: readonly string[]; readonly stdio?: StdioOptions } = {}): Promise<number> {
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', tsx, script], { stdio: options.stdio ?? 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    // The terminal sends Ctrl-C to the whole process group, so the child may get it twice within
    // milliseconds; the servers treat that as one. A second Ctrl-C later makes them exit at once.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onSigint = (): void => forward('SIGINT');
  const onSigterm = (): void => forward('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
