/**
 * The chaos workload's trigger consumer (trigger-consumer.ts): the deployed
 * dispatcher under storage faults, handlers thrown and dispatcher invocations
 * killed at random, overlapping invocations. No acknowledged record lost,
 * first deliveries per partition in offset order, never two handler calls of
 * one partition at once.
 */
import { describe, expect, it } from 'vitest';
import { runTriggerChaos } from './trigger-consumer.js';

const SEED = 20261204;

describe('chaos: trigger consumer', () => {
  it(
    'loses no acknowledged record and keeps partition order while handlers throw and dispatchers die',
    async () => {
      const r = await runTriggerChaos({ seed: SEED, partitions: 3, produces: 150, throwRate: 0.15, killRate: 0.03, drainTimeoutMs: 90_000 });
      console.log(
        `trigger chaos (seed ${SEED}): ${r.acknowledged} acknowledged, ${r.handlerCalls} handler calls (${r.thrown} thrown, ${r.killed} killed), ` +
          `${r.storageFailures}/${r.storageRequests} storage requests failed`,
      );
      expect(r.acknowledged).toBeGreaterThan(100);
      expect(r.thrown).toBeGreaterThan(0);
      expect(r.killed).toBeGreaterThan(0);
      expect(r.storageFailures).toBeGreaterThan(0);
      expect(r.drained).toBe(true);
      expect(r.lost).toEqual([]);
      expect(r.reordered).toEqual([]);
      expect(r.overlaps).toEqual([]);
    },
    240_000,
  );
});
