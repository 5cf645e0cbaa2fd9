/** Structured logs: one JSON object per line on stdout (CloudWatch and the local host alike). */

/** Log levels in order. */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level. */
export type Level = (typeof LEVELS)[number];

/** A structured logger. */
export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger adding `fields` to every line (e.g. the Lambda request id). */
  child(fields: Record<string, unknown>): Logger;
}

/** A logger writing JSON lines at or above `min` to `write`. */
export function createLogger(min: Level = 'info', write: (line: string) => void = (l) => process.stdout.write(`${l}\n`), context: Record<string, unknown> = {}): Logger {
  const floor = LEVELS.indexOf(min);
  const log = (level: Level, msg: string, fields: Record<string, unknown> = {}): void => {
    if (LEVELS.indexOf(level) < floor) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...context, ...fields }));
  };
  return {
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(min, write, { ...context, ...fields }),
  };
}
