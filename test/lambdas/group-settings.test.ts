/**
 * The consumer-group heartbeat intervals come from the environment a Lambda
 * (or the Kafka gateway) runs with: EDDY_HEARTBEAT_INTERVAL_MS and
 * EDDY_HANDOVER_HEARTBEAT_INTERVAL_MS, validated once, naming a bad value.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import { ENV, readSettings } from '../../core/config.js';
import { EddyError } from '../../core/errors.js';
import { systemIds } from '../../core/ids.js';
import { systemClock } from '../../core/ports.js';
import { createLogger } from '../../lambdas/http/log.js';
import { createRuntime } from '../../lambdas/http/runtime.js';

function runtime(env: Record<string, string>) {
  return createRuntime({ settings: readSettings(env), components: memoryComponents(systemClock, systemIds), logger: createLogger('error', () => undefined) });
}

describe('group heartbeat intervals from the environment', () => {
  it('answers the configured interval, and the handover interval to a member waiting for a release', async () => {
    const { eddy } = runtime({ [ENV.heartbeatIntervalMs]: '2000', [ENV.handoverHeartbeatIntervalMs]: '100' });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const a = await eddy.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'] });
    expect(a.heartbeatIntervalMs).toBe(2000);
    await eddy.groups.heartbeat('g', { memberId: a.memberId, memberEpoch: a.memberEpoch, topics: ['t'] });
    const b = await eddy.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'] });
    expect(b.assignment).toEqual([]);
    expect(b.heartbeatIntervalMs).toBe(100);
  });

  it('defaults to 5000 and 500 ms', async () => {
    const { eddy } = runtime({});
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    expect((await eddy.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'] })).heartbeatIntervalMs).toBe(5000);
  });

  it('refuses a bad value, naming the variable', () => {
    for (const [name, value] of [
      [ENV.heartbeatIntervalMs, '0'],
      [ENV.heartbeatIntervalMs, 'soon'],
      [ENV.handoverHeartbeatIntervalMs, '-5'],
    ] as const) {
      let error: unknown;
      try {
        readSettings({ [name]: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(EddyError);
      expect((error as EddyError).code).toBe('INVALID_REQUEST');
      expect((error as EddyError).message).toContain(`${name}=${JSON.stringify(value)}`);
    }
  });
});
