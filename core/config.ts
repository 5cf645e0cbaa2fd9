/**
 * Settings and the names of Eddy's environment variables, in one place.
 *
 * The CDK stack sets these variables on every function and the handlers and
 * the local host read them, all through {@link ENV}, so the names cannot drift.
 * Core never reads `process.env`: callers pass the environment in, and
 * {@link readSettings} validates it once and names the bad value.
 */
import { ENV, MALLOC_ENV_NAMES } from '@eddy/api';
import { EddyError } from './errors.js';

export { ENV, MALLOC_ENV_NAMES } from '@eddy/api';

/**
 * glibc malloc tuning for Eddy's processes (names: `MALLOC_ENV_NAMES`), set
 * by the CDK stack on every Lambda function of at least
 * {@link MALLOC_ENV_MIN_MEMORY_MB} ({@link mallocEnvFor}) and in the gateway image: two
 * arenas (one JavaScript thread allocates the big buffers), buffers below
 * 32 MiB (glibc's largest threshold; every produce body and fetch answer)
 * taken from the heap instead of a fresh mmap each, and up to 64 MiB of freed
 * heap kept instead of handed back, so the next request reuses pages already
 * mapped. Measured with `node --import tsx bench/hotpath-targets.ts` and
 * `--default-malloc` (docs/benchmarks.md, "Binary records on the wire").
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  [MALLOC_ENV_NAMES.arenaMax]: '2',
  [MALLOC_ENV_NAMES.mmapThreshold]: String(32 * 1024 * 1024),
  [MALLOC_ENV_NAMES.trimThreshold]: String(64 * 1024 * 1024),
};

/**
 * Smallest function memory (MiB) that gets {@link MALLOC_ENV}: with two
 * arenas each keeping up to 64 MiB of freed heap, a function of 128–256 MB
 * could hold ~128 MiB outside V8, so smaller functions keep glibc's defaults.
 */
export const MALLOC_ENV_MIN_MEMORY_MB = 512;

/**
 * The malloc tuning for a Lambda function of `memoryMb` MiB: {@link MALLOC_ENV}
 * from {@link MALLOC_ENV_MIN_MEMORY_MB} up, none below (or when the memory is
 * not known at synth time, `undefined`).
 */
export function mallocEnvFor(memoryMb: number | undefined): Readonly<Record<string, string>> {
  return memoryMb !== undefined && memoryMb >= MALLOC_ENV_MIN_MEMORY_MB ? MALLOC_ENV : {};
}

/** Plain, serializable engine settings. */
export interface Settings {
  readonly topicsTable: string;
  readonly logTable: string;
  readonly groupsTable: string;
  readonly bucket: string;
  readonly dynamodbEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly gcGraceMs: number;
  readonly compactionTargetBytes: number;
  /** Maintenance: minimum age of an entry before retention may expire it. @default 60000 (the maintenance default) */
  readonly retentionMinAgeMs?: number;
  /** Groups: the heartbeat interval answers ask for (capped at a third of the session timeout). @default 5000 */
  readonly heartbeatIntervalMs?: number;
  /** Groups: the interval asked of a member waiting for partitions another member still holds. @default 500 */
  readonly handoverHeartbeatIntervalMs?: number;
  /** Log: the append protocol (docs/design.md §3.1). @default 'head' */
  readonly appendProtocol?: 'head' | 'reserve';
}

/** Defaults used by the local host and the CDK stack. */
export const DEFAULTS = {
  topicsTable: 'eddy-topics',
  logTable: 'eddy-log',
  groupsTable: 'eddy-groups',
  bucket: 'eddy-data',
  logLevel: 'info',
  /** 15 minutes: longer than any Lambda invocation (max 15 min) can hold an index entry. */
  gcGraceMs: 15 * 60_000,
  compactionTargetBytes: 8 * 1024 * 1024,
  /** Consumer groups: the heartbeat interval answers ask for (the local host asks for 1000). */
  heartbeatIntervalMs: 5_000,
  /** Consumer groups: the interval asked of a member waiting for a handover. */
  handoverHeartbeatIntervalMs: 500,
  maintenanceIntervalMs: 60_000,
  port: 4000,
  dataDir: '.eddy',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new EddyError('INVALID_REQUEST', `setting ${name} is required`);
  }
  return v;
}

/** Parses a non-negative integer setting, failing with the variable and value named. */
export function intSetting(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new EddyError('INVALID_REQUEST', `setting ${name}=${JSON.stringify(raw)} is not a non-negative integer`);
  }
  return n;
}

/**
 * Reads and validates engine settings from an environment map.
 * @param env - usually `process.env`, passed in by the caller.
 * @param requireResources - when true (Lambda), table and bucket names must be set; else defaults apply.
 */
export function readSettings(env: Env, requireResources = false): Settings {
  const d = requireResources ? undefined : DEFAULTS;
  const logLevel = str(env, ENV.logLevel, DEFAULTS.logLevel);
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new EddyError('INVALID_REQUEST', `setting ${ENV.logLevel}=${JSON.stringify(logLevel)} must be debug|info|warn|error`);
  }
  const optional = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  const positive = (name: string): number | undefined => {
    if (!env[name]) return undefined;
    const n = intSetting(env, name, 0);
    if (n < 1) throw new EddyError('INVALID_REQUEST', `setting ${name}=${JSON.stringify(env[name])} must be at least 1 (ms)`);
    return n;
  };
  const appendProtocol = optional(ENV.appendProtocol);
  if (appendProtocol !== undefined && appendProtocol !== 'head' && appendProtocol !== 'reserve') {
    throw new EddyError('INVALID_REQUEST', `setting ${ENV.appendProtocol}=${JSON.stringify(appendProtocol)} must be head|reserve`);
  }
  const heartbeatIntervalMs = positive(ENV.heartbeatIntervalMs);
  const handoverHeartbeatIntervalMs = positive(ENV.handoverHeartbeatIntervalMs);
  return {
    topicsTable: str(env, ENV.topicsTable, d?.topicsTable),
    logTable: str(env, ENV.logTable, d?.logTable),
    groupsTable: str(env, ENV.groupsTable, d?.groupsTable),
    bucket: str(env, ENV.bucket, d?.bucket),
    ...(optional(ENV.dynamodbEndpoint) ? { dynamodbEndpoint: optional(ENV.dynamodbEndpoint) } : {}),
    ...(optional(ENV.s3Endpoint) ? { s3Endpoint: optional(ENV.s3Endpoint) } : {}),
    logLevel: logLevel as Settings['logLevel'],
    gcGraceMs: intSetting(env, ENV.gcGraceMs, DEFAULTS.gcGraceMs),
    compactionTargetBytes: intSetting(env, ENV.compactionTargetBytes, DEFAULTS.compactionTargetBytes),
    ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {}),
    ...(handoverHeartbeatIntervalMs !== undefined ? { handoverHeartbeatIntervalMs } : {}),
    ...(appendProtocol !== undefined ? { appendProtocol } : {}),
  };
}

/** The log options a {@link Settings} sets (for `createEddy`'s `settings.log`). */
export function logSettings(settings: Settings): { appendProtocol?: 'head' | 'reserve' } {
  return settings.appendProtocol !== undefined ? { appendProtocol: settings.appendProtocol } : {};
}

/** The consumer-group options a {@link Settings} sets (for `createEddy`'s `settings.groups`). */
export function groupSettings(settings: Settings): { heartbeatIntervalMs?: number; handoverHeartbeatIntervalMs?: number } {
  return {
    ...(settings.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: settings.heartbeatIntervalMs } : {}),
    ...(settings.handoverHeartbeatIntervalMs !== undefined ? { handoverHeartbeatIntervalMs: settings.handoverHeartbeatIntervalMs } : {}),
  };
}
