/**
 * The append protocol comes from the environment a Lambda (or the local host,
 * or the Kafka gateway) runs with: EDDY_APPEND_PROTOCOL, `head` by default or
 * `reserve` (docs/design.md §3.1), validated once, naming a bad value.
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
  const components = memoryComponents(systemClock, systemIds);
  return { components, ...createRuntime({ settings: readSettings(env), components, logger: createLogger('error', () => undefined) }) };
}

describe('append protocol from the environment', () => {
  it('reserve: appends reserve offsets from the partition counter', async () => {
    const { eddy, components } = runtime({ [ENV.appendProtocol]: 'reserve' });
    const { topicId } = await eddy.log.createTopic({ name: 't', partitions: 1 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: new Uint8Array([1]) }] });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: new Uint8Array([2]) }, { key: null, value: new Uint8Array([3]) }] });
    expect((await components.metadataStore.readCounter(topicId, 0))?.next).toBe(3);
  });

  it('defaults to head: no counter is kept', async () => {
    const { eddy, components } = runtime({});
    const { topicId } = await eddy.log.createTopic({ name: 't', partitions: 1 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: new Uint8Array([1]) }] });
    expect(await components.metadataStore.readCounter(topicId, 0)).toBeUndefined();
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => readSettings({ [ENV.appendProtocol]: 'fast' })).toThrow(EddyError);
    expect(() => readSettings({ [ENV.appendProtocol]: 'fast' })).toThrow(/EDDY_APPEND_PROTOCOL="fast" must be head\|reserve/);
  });
});
