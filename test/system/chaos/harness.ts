/**
 * One chaos run: a local host whose S3 and DynamoDB clients carry the fault
 * middleware, maintenance (compaction, GC) running concurrently, then three
 * arms of the queue workload, each checked from its history.
 *
 * - Main arm: idempotent producers, a churning consumer group, storage and
 *   client faults. Must show no anomaly.
 * - Control arm: the same producers with idempotence off, resending values
 *   whose send had an unknown outcome (at-least-once without idempotence),
 *   under ambiguous faults only. Must show duplicates: proof that the
 *   checker and the faults can fail a run.
 * - Outcome arm: producers that retry little, so many sends fail; what each
 *   failure says about its records must be true (see
 *   {@link outcomeArmViolations}).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Maintenance, type MaintenanceReport } from '../../../core/maintenance/index.js';
import { startLocalHost } from '../../../local/host.js';
import { check, type CheckReport } from './checker.js';
import { ClientFaults, DEFAULT_CLIENT_RATES, type ClientFaultStats } from './client-faults.js';
import { History } from './history.js';
import { KafkaProxy, type KafkaProxyStats } from './kafka-proxy.js';
import { runKafkaWorkload, type KafkaWorkloadResult } from './kafka-workload.js';
import { AMBIGUOUS_ONLY_RATES, DEFAULT_STORAGE_RATES, StorageFaults, type StorageFaultRates, type StorageFaultStats } from './storage-faults.js';
import { runWorkload, type IndexProbe, type WorkloadOptions, type WorkloadResult } from './workload.js';
import type { MetadataStore } from '../../../core/ports.js';

/** Sizes of a run. */
export interface ChaosProfile {
  /** Fault phase of the main arm, ms. */
  readonly faultMs: number;
  /** Fault phase of the control arm, ms. */
  readonly controlMs: number;
  readonly producers: number;
  readonly partitions: number;
  readonly keys: number;
  readonly consumers: number;
  readonly sendPauseMs: readonly [number, number];
  readonly maxInFlight: number;
  readonly drainTimeoutMs: number;
  /** Maintenance pass interval, ms; 0 disables. */
  readonly maintenanceMs: number;
  /** kafkajs producers of the Kafka arm. */
  readonly kafkaProducers: number;
}

/** `npm run chaos -- --quick`: well under 2 minutes. */
export const QUICK: ChaosProfile = {
  faultMs: 30_000,
  controlMs: 8_000,
  producers: 4,
  partitions: 4,
  keys: 24,
  consumers: 3,
  sendPauseMs: [2, 12],
  maxInFlight: 24,
  drainTimeoutMs: 45_000,
  maintenanceMs: 2_000,
  kafkaProducers: 3,
};

/** `npm run chaos`: minutes. */
export const FULL: ChaosProfile = { ...QUICK, faultMs: 180_000, controlMs: 20_000, producers: 5, partitions: 6, keys: 64, drainTimeoutMs: 90_000 };

/** The short run of `npm test`. */
export const TEST: ChaosProfile = { ...QUICK, faultMs: 12_000, controlMs: 5_000, producers: 3, partitions: 3, keys: 12, drainTimeoutMs: 90_000 };

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  readonly seed: number;
  readonly profile: ChaosProfile;
  /** Where histories, fault logs and host logs are written. @default a fresh temp dir */
  readonly outDir?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Run the outcome arm. @default true */
  readonly outcomeArm?: boolean;
  /** Run the Kafka arm alongside the main arm. @default true */
  readonly kafkaArm?: boolean;
  /**
   * The host's append protocol (docs/design.md §3, §3.1). Under `reserve` the
   * arms are checked with `offsets: 'abandonable'` (gaps only where the
   * index recorded abandoned offsets) and drain and read to the index end.
   * @default `EDDY_APPEND_PROTOCOL`, else `head`
   */
  readonly appendProtocol?: 'head' | 'reserve';
}

/** What the Kafka arm produced. */
export interface KafkaArmResult {
  readonly report: CheckReport;
  readonly workload: KafkaWorkloadResult;
  readonly proxy: KafkaProxyStats;
}

/** What one arm produced. */
export interface ArmResult {
  readonly report: CheckReport;
  readonly workload: WorkloadResult;
  readonly storage: StorageFaultStats;
  readonly client: ClientFaultStats;
}

/** The outcome of a run. */
export interface ChaosResult {
  readonly seed: number;
  readonly main: ArmResult;
  readonly control: ArmResult;
  /** The outcome arm: failures must be reported truthfully (see {@link outcomeArmViolations}); absent when not run. */
  readonly outcome?: ArmResult;
  /** The Kafka arm (kafkajs over the Kafka protocol, alongside the main arm, under its storage faults); absent when not run. */
  readonly kafka?: KafkaArmResult;
  /** Anomalies of the outcome arm that break a guarantee. */
  readonly outcomeViolations: number;
  /** Faults injected in the main arm (storage, crash points, latency, client). */
  readonly faultsInjected: number;
  readonly maintenance: { runs: number; entriesCompacted: number; segmentsWritten: number; objectsDeleted: number; errors: number };
  readonly outDir: string;
  /** True when the main arm and the Kafka arm are clean and drained, ≥ 10% of the main arm's storage requests failed, the control arm found duplicates and the outcome arm shows no violation. */
  readonly passed: boolean;
  /** The last line `npm run chaos` prints. */
  readonly line: string;
}

function delta(after: StorageFaultStats, before: StorageFaultStats): StorageFaultStats {
  const byKind = Object.fromEntries(Object.entries(after.byKind).map(([k, v]) => [k, v - before.byKind[k as keyof typeof before.byKind]])) as StorageFaultStats['byKind'];
  const requests = after.requests - before.requests;
  const failures = after.failures - before.failures;
  return { requests, calls: after.calls - before.calls, byKind, failures, failureRate: requests === 0 ? 0 : failures / requests };
}

function sumClient(s: ClientFaultStats): number {
  return Object.values(s.byKind).reduce((a, b) => a + b, 0);
}

/** Runs the arms against one fresh local host; see the module comment. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { seed, profile } = options;
  // EDDY_APPEND_PROTOCOL=reserve runs the suite under the reserve append protocol (docs/design.md §3.1).
  const reserve = (options.appendProtocol ?? (process.env.EDDY_APPEND_PROTOCOL === 'reserve' ? 'reserve' : 'head')) === 'reserve';
  const log = options.log ?? (() => undefined);
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), `eddy-chaos-${seed}-`));
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'eddy-chaos-data-'));
  const hostLog: string[] = [];
  const storage = new StorageFaults(seed, DEFAULT_STORAGE_RATES);
  storage.enabled = false;
  // Kafka clients reach the host's Kafka server through a fault-injecting proxy, whose port the server advertises.
  const proxy = options.kafkaArm === false ? undefined : await KafkaProxy.start(seed ^ 0x6b61);
  const host = await startLocalHost({
    port: 0,
    ...(proxy ? { kafkaPort: 0, kafka: { advertisedHost: '127.0.0.1', advertisedPort: proxy.port, autoCreateTopics: false, maxFetchWaitMs: 1_000 } } : {}),
    dataDir,
    maintenanceIntervalMs: 0,
    logLevel: 'warn',
    logWrite: (line) => void hostLog.push(line),
    instrument: (clients) => storage.install(clients),
    ...(reserve ? { settings: { appendProtocol: 'reserve' as const } } : {}),
  });
  const index: IndexProbe | undefined = reserve ? indexProbe(host.components.metadataStore) : undefined;
  const offsets = reserve ? ('abandonable' as const) : ('dense' as const);
  if (proxy) proxy.target = host.kafka!.port;

  // Maintenance as the scheduled Lambda runs it, but often and with short
  // grace periods, so compaction and GC race the workload under faults. The
  // minimum ages still exceed the longest produce request seen under these
  // faults (the local host has no Lambda timeout to bound it).
  const maintenance = new Maintenance(host.components, { gcGraceMs: 30_000, compactionMinAgeMs: 20_000, retentionMinAgeMs: 20_000 });
  const mstats = { runs: 0, entriesCompacted: 0, segmentsWritten: 0, objectsDeleted: 0, errors: 0 };
  let maintaining = true;
  const maintenanceLoop = (async () => {
    while (maintaining && profile.maintenanceMs > 0) {
      await new Promise((r) => setTimeout(r, profile.maintenanceMs));
      if (!maintaining) break;
      try {
        const r: MaintenanceReport = await maintenance.runOnce();
        mstats.runs++;
        mstats.entriesCompacted += r.entriesCompacted;
        mstats.segmentsWritten += r.segmentsWritten;
        mstats.objectsDeleted += r.objectsDeleted;
        mstats.errors += r.errors.length;
      } catch {
        mstats.errors++;
      }
    }
  })();

  try {
    const arm = async (name: string, history: History, client: ClientFaults, rates: StorageFaultRates, options: Omit<WorkloadOptions, 'url' | 'storageFaults' | 'clientFaults' | 'history' | 'log' | 'index'>, consumed: boolean): Promise<ArmResult> => {
      storage.rates = rates;
      const before = storage.stats();
      const workload = await runWorkload({ ...options, url: host.url, storageFaults: storage, clientFaults: client, history, log, ...(index ? { index } : {}) });
      writeFileSync(join(outDir, `${name}.history.jsonl`), history.toJsonl());
      return { report: check(history.events, { consumed, offsets }), workload, storage: delta(storage.stats(), before), client: client.stats() };
    };
    const common = { sendPauseMs: profile.sendPauseMs, maxInFlight: profile.maxInFlight, resendUnknown: false, churn: false, consumers: 0, drainTimeoutMs: 0 };

    log(`main arm: ${profile.producers} idempotent producers, ${profile.consumers} consumers, ${profile.partitions} partitions, storage + client faults`);
    if (proxy) log(`kafka arm, alongside: ${profile.kafkaProducers} kafkajs idempotent producers, a kafkajs group, ${profile.partitions} partitions, the same storage faults + connection cuts`);
    const kafkaHistory = new History();
    const kafkaArm = proxy
      ? runKafkaWorkload({
          url: host.url,
          broker: `127.0.0.1:${proxy.port}`,
          proxy,
          seed: seed ^ 0x6b61,
          topic: `chaos-${seed}-kafka`,
          group: `chaos-${seed}-kafka-g`,
          partitions: profile.partitions,
          producers: profile.kafkaProducers,
          keys: profile.keys,
          faultMs: profile.faultMs,
          sendPauseMs: profile.sendPauseMs,
          drainTimeoutMs: profile.drainTimeoutMs,
          history: kafkaHistory,
          log,
          ...(index ? { index } : {}),
        }).then((workload): KafkaArmResult => {
          writeFileSync(join(outDir, 'kafka.history.jsonl'), kafkaHistory.toJsonl());
          return { report: check(kafkaHistory.events, { consumed: true, offsets }), workload, proxy: proxy.stats() };
        })
      : undefined;
    // The main arm's failure must not leave the Kafka arm's promise unhandled.
    void kafkaArm?.catch(() => undefined);
    const main = await arm('main', new History(), new ClientFaults(seed, DEFAULT_CLIENT_RATES), DEFAULT_STORAGE_RATES, {
      ...common,
      seed,
      topic: `chaos-${seed}`,
      group: `chaos-${seed}-g`,
      partitions: profile.partitions,
      producers: profile.producers,
      keys: profile.keys,
      faultMs: profile.faultMs,
      idempotent: true,
      consumers: profile.consumers,
      churn: true,
      drainTimeoutMs: profile.drainTimeoutMs,
    }, true);
    const kafka = await kafkaArm;

    log('control arm: 2 producers, idempotence off, resending values whose send had an unknown outcome; ambiguous faults only');
    const onlyProduce = (req: { method: string; path: string }): boolean => req.method === 'POST' && req.path.endsWith('/records');
    const control = await arm('control', new History(), new ClientFaults(seed ^ 0x5eed, { refused: 0, lostResponse: 0.15, timeout: 0.05, timeoutMs: [1, 30] }, onlyProduce), AMBIGUOUS_ONLY_RATES, {
      ...common,
      seed: seed ^ 0x5eed,
      topic: `chaos-${seed}-control`,
      prefix: 'control-',
      partitions: 2,
      producers: 2,
      keys: 8,
      faultMs: profile.controlMs,
      idempotent: false,
      resendUnknown: true,
    }, false);

    const outcome = options.outcomeArm === false ? undefined : await (log('outcome arm: an idempotent producer with 1 retry, a non-idempotent one with 3; storage + client faults'), arm('outcome', new History(), new ClientFaults(seed ^ 0x0c0e, DEFAULT_CLIENT_RATES), DEFAULT_STORAGE_RATES, {
      ...common,
      seed: seed ^ 0x0c0e,
      topic: `chaos-${seed}-outcomes`,
      prefix: 'outcome-',
      partitions: 2,
      producers: 2,
      producerSpecs: [
        { idempotent: true, retries: 1 },
        { idempotent: false, retries: 3 },
      ],
      keys: 8,
      faultMs: profile.controlMs,
      idempotent: true,
    }, false));
    writeFileSync(join(outDir, 'storage-faults.jsonl'), storage.events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const faultsInjected = Object.values(main.storage.byKind).reduce((a, b) => a + b, 0) + sumClient(main.client) + (kafka ? Object.values(kafka.proxy.byKind).reduce((a, b) => a + b, 0) : 0);
    const a = main.report.anomalyCounts;
    const line =
      `chaos: ${main.report.counts.acknowledged} acknowledged, ${a.lost} lost, ${a.duplicated} duplicated, ${a.reordered} reordered, ` +
      `${faultsInjected} faults injected; control arm: ${control.report.anomalyCounts.duplicated} duplicates detected` +
      (kafka ? `; kafka arm: ${kafka.report.counts.acknowledged} acknowledged, ${kafka.report.anomalyCounts.lost} lost, ${kafka.report.anomalyCounts.duplicated} duplicated, ${kafka.report.anomalyCounts.reordered} reordered` : '');
    const outcomeViolations = outcome ? outcomeArmViolations(outcome.report, 'outcome-p0') : 0;
    const passed = main.report.valid && main.workload.drained && (!kafka || (kafka.report.valid && kafka.workload.drained)) && main.storage.failureRate >= 0.1 && control.report.anomalyCounts.duplicated > 0 && outcomeViolations === 0;
    const result: ChaosResult = { seed, main, control, outcome, ...(kafka ? { kafka } : {}), outcomeViolations, faultsInjected, maintenance: { ...mstats }, outDir, passed, line };
    const brief = (r: ArmResult): unknown => ({ ...r, report: summarize(r.report) });
    writeFileSync(join(outDir, 'result.json'), JSON.stringify({ ...result, main: brief(main), control: brief(control), outcome: outcome && brief(outcome), kafka: kafka && { ...kafka, report: summarize(kafka.report) } }, null, 2));
    return result;
  } finally {
    maintaining = false;
    await maintenanceLoop;
    writeFileSync(join(outDir, 'host.log'), hostLog.join('\n') + '\n');
    await host.close();
    await proxy?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Reads a topic's stored index directly (after the faults stopped): its abandoned ranges and its end. */
function indexProbe(meta: MetadataStore): IndexProbe {
  const topicId = async (topic: string): Promise<string> => {
    const t = await meta.getTopic(topic);
    if (!t) throw new Error(`chaos: topic ${topic} not found`);
    return t.topicId;
  };
  // The Kafka arm may drain while the main arm's storage faults are still on: retry.
  const retrying = async <T>(read: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  return {
    abandoned: (topic, partition) =>
      retrying(async () => {
        const out: Array<readonly [number, number]> = [];
        for await (const e of meta.listEntries(await topicId(topic), partition)) if (e.abandoned) out.push([e.baseOffset, e.lastOffset]);
        return out;
      }),
    end: (topic, partition) =>
      retrying(async () => {
        const head = await meta.headEntry(await topicId(topic), partition);
        return head ? head.lastOffset + 1 : 0;
      }),
  };
}

/**
 * The outcome arm's violations. Its producers retry little, so many sends
 * end in a failure, and what a failure says must be true: no value whose
 * send definitely failed is in the log, no acknowledged value is missing,
 * offsets are unique and dense, and the non-idempotent producer — whose SDK
 * retries only failures that promise nothing was applied — never
 * duplicates. Reordering is allowed for the non-idempotent producer only (a
 * send it gave up on may still land after later ones).
 */
export function outcomeArmViolations(report: CheckReport, idempotentProducer: string): number {
  const a = report.anomalies;
  return (
    a.lost.length +
    a.duplicated.length +
    a.inconsistentOffsets.length +
    a.abortedReads.length +
    a.gaps.length +
    a.unexpected.length +
    a.reordered.filter((r) => r.value.startsWith(`${idempotentProducer}:`)).length
  );
}

/** A report with anomaly lists cut to their first 20 entries (for result.json). */
function summarize(report: CheckReport): unknown {
  return { ...report, anomalies: Object.fromEntries(Object.entries(report.anomalies).map(([k, v]) => [k, (v as unknown[]).slice(0, 20)])) };
}
