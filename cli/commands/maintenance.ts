/**
 * `eddy maintenance run`: one pass of retention, compaction and garbage
 * collection now, instead of waiting for the schedule (every 60 s locally,
 * the EventBridge rule in a deployment). It invokes the `eddy-maintenance`
 * function with the direct payload `{"maintenance": {}}` through the Lambda
 * Invoke API, which the local host serves on its own port; against a
 * deployment it needs `--transport lambda` and `lambda:InvokeFunction`.
 */
import { Command, Option } from 'commander';
import { action, examples } from '../command.js';
import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import { humanBytes } from '../format/table.js';

/** The report the maintenance function answers (the fields printed here). */
interface MaintenanceReport {
  readonly topics: number;
  readonly entriesExpired: number;
  readonly bytesExpired: number;
  readonly entriesCompacted: number;
  readonly segmentsWritten: number;
  readonly mergesDeferred: number;
  readonly objectsDeleted: number;
  readonly bytesReclaimed: number;
  readonly objectsMarked: number;
  readonly topicsReclaimed: number;
  readonly errors: readonly string[];
  readonly durationMs: number;
}

interface RunOptions {
  readonly function: string;
  readonly json?: boolean;
}

/** A pass over a large deployment can take minutes (the function's own timeout is 15). */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** The `maintenance` command group. */
export function maintenanceCommand(): Command {
  const maintenance = new Command('maintenance').description('run retention, compaction and garbage collection on demand (admin)');
  examples(maintenance, 'eddy maintenance run');
  examples(
    maintenance
      .command('run')
      .description('run one maintenance pass now and print what it did (retention honours EDDY_RETENTION_MIN_AGE_MS of the host)')
      .addOption(new Option('--function <name>', 'the maintenance function').default('eddy-maintenance'))
      .addOption(new Option('--json', 'print the report as JSON'))
      .action(action(run)),
    'eddy maintenance run',
    'eddy --transport lambda --region eu-west-1 maintenance run --function eddy-maintenance',
  );
  return maintenance;
}

async function run(ctx: Context, _args: string[], opts: RunOptions): Promise<number> {
  const report = (await ctx.lambda().invoke(opts.function, { maintenance: {} }, { timeoutMs: RUN_TIMEOUT_MS })) as MaintenanceReport;
  if (opts.json) {
    await ctx.out.write(`${JSON.stringify(report)}\n`);
  } else {
    const r = report;
    await ctx.out.write(
      [
        `maintenance pass over ${r.topics} topic${r.topics === 1 ? '' : 's'} in ${r.durationMs} ms`,
        `  retention   ${r.entriesExpired} entr${r.entriesExpired === 1 ? 'y' : 'ies'} expired (${humanBytes(r.bytesExpired)})`,
        `  compaction  ${r.entriesCompacted} entries merged into ${r.segmentsWritten} segment${r.segmentsWritten === 1 ? '' : 's'}${r.mergesDeferred ? `, ${r.mergesDeferred} merges left for the next run` : ''}`,
        `  gc          ${r.objectsDeleted} object${r.objectsDeleted === 1 ? '' : 's'} deleted (${humanBytes(r.bytesReclaimed)}), ${r.objectsMarked} marked for deletion after the grace period` +
          `${r.topicsReclaimed ? `, ${r.topicsReclaimed} deleted topic${r.topicsReclaimed === 1 ? '' : 's'} reclaimed` : ''}`,
        '',
      ].join('\n'),
    );
  }
  if (report.errors.length === 0) return EXIT.ok;
  for (const e of report.errors) process.stderr.write(`eddy: maintenance: ${e.replace(/\s*\n\s*/g, ' ')}\n`);
  return EXIT.failure;
}
