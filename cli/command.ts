/**
 * Glue between commander and the commands: every action gets a
 * {@link Context} built from the global options, its positional arguments
 * and its own options; whatever it throws is reported by `main`.
 */
import type { Command } from 'commander';
import { Context, type GlobalOptions } from './context.js';
import { describeFailure } from './errors.js';

/** A command body: returns its exit code (0 when it returns nothing). */
export type Action<O> = (ctx: Context, args: string[], options: O) => Promise<number | void>;

/**
 * Adapts a command body to commander's `.action()` signature. A failure is
 * reported here, as one line naming the endpoint when it could not be
 * reached, and sets the exit code.
 */
export function action<O>(fn: Action<O>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args.pop() as Command;
    args.pop(); // the command's own options; optsWithGlobals() below also carries them
    const options = command.optsWithGlobals<O & GlobalOptions>();
    let ctx: Context | undefined;
    try {
      ctx = new Context(options);
      const code = await fn(ctx, args as string[], options);
      if (code) process.exitCode = code;
    } catch (err) {
      const { line, exitCode } = describeFailure(err, ctx?.endpoint);
      process.stderr.write(`${line}\n`);
      process.exitCode = exitCode;
    } finally {
      await ctx?.out.end();
      ctx?.close();
    }
  };
}

/** Appends an "Examples" section to a command's help. */
export function examples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
