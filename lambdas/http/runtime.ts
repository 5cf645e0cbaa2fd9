/**
 * What a handler runs on: Eddy's core over injected components, plus a
 * logger. Built once per container (Lambda) or process (local host).
 */
import { awsComponents } from '../../core/adapters/aws/index.js';
import { groupSettings, logSettings, readSettings, type Settings } from '../../core/config.js';
import { createEddy, createNotifier, type Components, type Eddy, type Notifier } from '../../core/index.js';
import { createLogger, type Logger } from './log.js';

/** Everything a handler needs. */
export interface Runtime {
  readonly settings: Settings;
  /** Core: `log`, `groups`, `maintenance`. */
  readonly eddy: Eddy;
  /** Wakes long polls on appends in this process; closed on shutdown so pending polls answer at once. */
  readonly notifier: Notifier;
  readonly logger: Logger;
}

/** Options for {@link createRuntime}. */
export interface RuntimeOptions {
  readonly settings: Settings;
  readonly components: Components;
  readonly logger?: Logger;
  /** How often a long poll re-reads the index when nothing in this process wakes it. @default 250 */
  readonly pollIntervalMs?: number;
}

/** Builds a runtime over given components (the local host, tests). */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { settings, components } = options;
  const notifier = components.notifier ?? createNotifier(components.clock);
  const eddy = createEddy({
    components: { ...components, notifier },
    settings: {
      log: { pollIntervalMs: options.pollIntervalMs ?? 250, ...logSettings(settings) },
      groups: groupSettings(settings),
      maintenance: {
        gcGraceMs: settings.gcGraceMs,
        compactionTargetBytes: settings.compactionTargetBytes,
        ...(settings.retentionMinAgeMs !== undefined ? { retentionMinAgeMs: settings.retentionMinAgeMs } : {}),
      },
    },
  });
  return { settings, eddy, notifier, logger: options.logger ?? createLogger(settings.logLevel) };
}

/** Builds the runtime of a Lambda container from its environment, validated once. */
export function runtimeFromEnv(env: Readonly<Record<string, string | undefined>>): Runtime {
  const settings = readSettings(env, true);
  return createRuntime({ settings, components: awsComponents(settings) });
}
