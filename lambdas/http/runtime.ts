/**
 * What a handler runs on: the engine, the group coordinator and maintenance
 * over injected components, plus a logger and the long-poll notifier.
 * Built once per container (Lambda) or process (local host).
 */
import { awsComponents } from '../../core/adapters/aws/index.js';
import { readSettings, type Settings } from '../../core/config.js';
import { createEngine, type Engine, type EngineComponents } from '../../core/engine.js';
import { GroupCoordinator } from '../../core/groups/coordinator.js';
import { Maintenance, type MaintenanceReport } from '../../core/maintenance/index.js';
import type { Clock } from '../../core/ports.js';
import { createLogger, type Logger } from './log.js';
import { buildOpenApi } from './openapi.js';

/**
 * Wakes long-polling fetches when a produce in the same process appends.
 * Across Lambda containers there is no shared memory, so waiters also poll
 * (every `pollIntervalMs`) and this only makes the local host faster.
 */
export class Notifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closedFlag = false;

  /** True once {@link wakeAll} ran: long polls must answer with what they have instead of waiting again. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves when the partition gets records in this process, or after `ms` (at once after {@link wakeAll}). */
  wait(topic: string, partition: number, ms: number): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    const key = `${topic}\u0000${partition}`;
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
    });
  }

  /** Wakes the waiters of these partitions (a produce in this process appended to them). */
  notify(topic: string, partitions: Iterable<number>): void {
    for (const p of partitions) for (const done of [...(this.waiters.get(`${topic}\u0000${p}`) ?? [])]) done();
  }

  /**
   * Shutdown: wakes every waiter and makes later waits return at once, so
   * pending long polls answer now (with whatever records there are) and a
   * stopping process is not held open by consumers' 20 s polls.
   */
  wakeAll(): void {
    this.closedFlag = true;
    for (const set of [...this.waiters.values()]) for (const done of [...set]) done();
  }
}

/** Everything a handler needs. */
export interface Runtime {
  readonly settings: Settings;
  readonly engine: Engine;
  readonly groups: GroupCoordinator;
  readonly maintenance: { runOnce(): Promise<MaintenanceReport> };
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: Logger;
  /** How often a long poll re-reads the index when nothing wakes it. */
  readonly pollIntervalMs: number;
  openapi(): unknown;
}

/** Options for {@link createRuntime}. */
export interface RuntimeOptions {
  readonly settings: Settings;
  readonly components: EngineComponents;
  readonly log?: Logger;
  /** @default 250 */
  readonly pollIntervalMs?: number;
}

/** Builds a runtime over given components (the local host, tests). */
export function createRuntime(options: RuntimeOptions): Runtime {
  const engine = createEngine(options.components);
  let openapi: unknown;
  return {
    settings: options.settings,
    engine,
    groups: new GroupCoordinator(engine),
    maintenance: new Maintenance(engine, {
      gcGraceMs: options.settings.gcGraceMs,
      compactionTargetBytes: options.settings.compactionTargetBytes,
      ...(options.settings.retentionMinAgeMs !== undefined ? { retentionMinAgeMs: options.settings.retentionMinAgeMs } : {}),
    }),
    notifier: new Notifier(),
    clock: options.components.clock,
    log: options.log ?? createLogger(options.settings.logLevel),
    pollIntervalMs: options.pollIntervalMs ?? 250,
    openapi: () => (openapi ??= buildOpenApi()),
  };
}

/** Builds the runtime of a Lambda container from its environment, validated once. */
export function runtimeFromEnv(env: Readonly<Record<string, string | undefined>>): Runtime {
  const settings = readSettings(env, true);
  return createRuntime({ settings, components: awsComponents(settings) });
}
