/**
 * A short seeded chaos run (test/system/chaos/harness.ts, the TEST profile) as part
 * of `npm test`: idempotent producers and a churning consumer group under
 * storage faults (≥ 10% of storage requests failed), crash points and client
 * faults must show no anomaly at all, and the control arm (idempotence off,
 * at-least-once resends, ambiguous faults) must show duplicates — proof that
 * this test can fail. Alongside the main arm, kafkajs idempotent producers
 * and a kafkajs group drive the same host over the Kafka protocol, under the
 * same storage faults plus connection cuts, checked the same way. A second,
 * shorter run does the same under the reserve append protocol (docs/design.md
 * §3.1), checked with `offsets: 'abandonable'`: gaps only at offsets the index
 * recorded as abandoned. `npm run chaos` runs the longer versions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeAnomalies } from './checker.js';
import { runChaos, TEST } from './harness.js';

const SEED = 20261126;

/** The reserve-protocol run: about 8 s of faults in the main arm, 4 s in the control and outcome arms. */
const RESERVE = { ...TEST, faultMs: 8_000, controlMs: 4_000 };

/** What the checker must find in every arm: no anomaly of any kind. */
const NO_ANOMALIES = {
  lost: 0,
  duplicated: 0,
  inconsistentOffsets: 0,
  reordered: 0,
  abortedReads: 0,
  unseen: 0,
  gaps: 0,
  pollSkips: 0,
  nonmonotonicPolls: 0,
  commitAhead: 0,
  unexpected: 0,
};

describe('chaos (short seeded run)', () => {
  it(
    'keeps every promise under storage faults, crashes and client faults; the control arm finds duplicates',
    async () => {
      const outDir = mkdtempSync(join(tmpdir(), `eddy-chaos-test-${SEED}-`));
      const r = await runChaos({ seed: SEED, profile: TEST, outcomeArm: false, outDir });
      // Histories stay for a post-mortem only when the run failed.
      console.log(`${r.line} (seed ${SEED}; histories in ${outDir}, removed when the test passes)`);
      const main = r.main.report;
      expect(main.counts.acknowledged).toBeGreaterThan(50);
      expect(r.main.storage.failureRate).toBeGreaterThanOrEqual(0.1);
      expect(r.main.storage.byKind['crash-before-index'] + r.main.storage.byKind['crash-between-index']).toBeGreaterThan(0);
      expect(main.anomalyCounts, describeAnomalies(main)).toEqual(NO_ANOMALIES);
      expect(r.main.workload.drained).toBe(true);
      expect(r.control.report.anomalyCounts.duplicated).toBeGreaterThan(0);
      // The Kafka arm: acknowledged records of kafkajs's idempotent producers, read back by a kafkajs group.
      const kafka = r.kafka!;
      expect(kafka.report.counts.acknowledged).toBeGreaterThan(20);
      expect(kafka.proxy.byKind['lost-response'] + kafka.proxy.byKind.refused).toBeGreaterThan(0);
      expect(kafka.report.anomalyCounts, describeAnomalies(kafka.report)).toEqual(NO_ANOMALIES);
      expect(kafka.workload.drained).toBe(true);
      rmSync(outDir, { recursive: true, force: true });
    },
    240_000,
  );

  it(
    'under the reserve append protocol: no acknowledged record lost, duplicated or reordered; gaps only at offsets the index abandoned',
    async () => {
      const outDir = mkdtempSync(join(tmpdir(), `eddy-chaos-reserve-${SEED}-`));
      const r = await runChaos({ seed: SEED, profile: RESERVE, appendProtocol: 'reserve', kafkaArm: false, outDir });
      const main = r.main.report;
      console.log(`reserve: ${r.line}; ${main.counts.abandoned} offsets abandoned; outcome arm: ${r.outcomeViolations} violations, ${r.outcome!.report.counts.abandoned} offsets abandoned (seed ${SEED}; histories in ${outDir}, removed when the test passes)`);
      expect(main.counts.acknowledged).toBeGreaterThan(50);
      expect(r.main.storage.failureRate).toBeGreaterThanOrEqual(0.1);
      expect(main.anomalyCounts, describeAnomalies(main)).toEqual(NO_ANOMALIES);
      expect(r.main.workload.drained).toBe(true);
      expect(r.control.report.anomalyCounts.duplicated).toBeGreaterThan(0);
      expect(r.outcome!.report.counts.failed + r.outcome!.report.counts.indeterminate).toBeGreaterThan(0);
      expect(r.outcomeViolations, describeAnomalies(r.outcome!.report)).toBe(0);
      rmSync(outDir, { recursive: true, force: true });
    },
    240_000,
  );
});
