/** TEMPORARY (until core's raw-batch seam lands): raw batches kept in memory over the engine's topics. */
import { EddyError } from '../../core/errors.js';
import type { Runtime } from '../../lambdas/http/runtime.js';
import type { KafkaCore } from '../../kafka/core.js';

export function interimCore(runtime: Runtime): KafkaCore {
  const engine = runtime.eddy.log;
  const logs = new Map<string, Array<{ base: number; bytes: Buffer; count: number }>>();
  let producerIds = 1000n;
  const log = (topicId: string, p: number) => {
    const k = `${topicId}/${p}`;
    let l = logs.get(k);
    if (!l) logs.set(k, (l = []));
    return l;
  };
  const hw = (l: Array<{ base: number; count: number }>) => (l.length ? l[l.length - 1]!.base + l[l.length - 1]!.count : 0);
  return {
    groups: runtime.eddy.groups,
    log: {
      topic: (n) => engine.topic(n),
      createTopic: (r) => engine.createTopic(r),
      listTopics: () => engine.listTopics(),
      describeTopic: (n) => engine.describeTopic(n),
      alterTopic: (n, r) => engine.alterTopic(n, r),
      deleteTopic: (n) => engine.deleteTopic(n),
      async appendBatches({ topic, partitions }) {
        const t = await engine.topic(topic);
        const out = partitions.map(({ partition, batches }) => {
          if (partition < 0 || partition >= t.partitions) return { partition, error: new EddyError('UNKNOWN_TOPIC_OR_PARTITION', 'no such partition') };
          const l = log(t.topicId, partition);
          const base = hw(l);
          let pos = 0;
          let next = base;
          const buf = Buffer.from(batches);
          while (pos + 61 <= buf.length) {
            const len = buf.readInt32BE(pos + 8);
            const count = buf.readInt32BE(pos + 23) + 1;
            l.push({ base: next, bytes: Buffer.from(buf.subarray(pos, pos + 12 + len)), count });
            next += count;
            pos += 12 + len;
          }
          runtime.notifier.notify(topic, [partition]);
          return { partition, baseOffset: base, count: next - base };
        });
        // Keep the engine's high-water marks in step, so group commits pass core's checks.
        for (const o of out) {
          if ('count' in o && o.count) await engine.produce({ topic, records: Array.from({ length: o.count }, () => ({ key: null, value: new Uint8Array(0), partition: o.partition, headers: [] })) } as never);
        }
        return out.map((o) => ('error' in o && o.error ? { partition: o.partition, error: o.error } : { partition: o.partition, baseOffset: o.baseOffset! }));
      },
      async readBatches({ topic, partition, offset, maxBytes, waitMs }) {
        const t = await engine.topic(topic);
        if (partition < 0 || partition >= t.partitions) throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', 'no such partition');
        const l = log(t.topicId, partition);
        if (offset > hw(l)) throw new EddyError('OFFSET_OUT_OF_RANGE', 'out of range');
        if (offset === hw(l) && waitMs) await runtime.notifier.wait(topic, partition, waitMs);
        const out: Uint8Array[] = [];
        let size = 0;
        for (const b of l) {
          if (b.base + b.count <= offset) continue;
          if (out.length > 0 && size + b.bytes.length > maxBytes) break;
          const copy = Buffer.from(b.bytes);
          copy.writeBigInt64BE(BigInt(b.base), 0);
          out.push(new Uint8Array(copy));
          size += copy.length;
        }
        return { partition, logStartOffset: 0, highWatermark: hw(l), batches: out };
      },
      async partitionOffsets(topic, partition) {
        const t = await engine.topic(topic);
        return { partition, logStartOffset: 0, highWatermark: hw(log(t.topicId, partition)) };
      },
      async listOffset(topic, partition, at) {
        const t = await engine.topic(topic);
        if (partition < 0 || partition >= t.partitions) throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', 'no such partition');
        const l = log(t.topicId, partition);
        if (at === 'earliest') return { partition, offset: 0 };
        return { partition, offset: hw(l) };
      },
      async initProducerId() {
        return producerIds++;
      },
    },
  };
}
