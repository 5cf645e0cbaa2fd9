/**
 * `planBatch` sizes a RecordBatch v2 and writes it into a buffer the caller
 * owns (the SDK writes it straight into the produce body): the bytes are
 * exactly `encodeBatch`'s, at any position, and a produce body built from
 * plans is byte for byte the one built from encoded batches.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatch, decodeProduceRequest, encodeBatch, encodeProduceRequest, planBatch, type BatchHooks, type BatchRecordInput } from '@eddy/api';

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array(b));
const record: fc.Arbitrary<BatchRecordInput> = fc.record({
  timestamp: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 45 })),
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.option(bytes, { nil: null })), { maxLength: 3 }),
});
const records = fc.array(record, { minLength: 1, maxLength: 40 });

const gzip: BatchHooks = {
  compress: (_codec, b) => gzipSync(b),
  decompress: (_codec, b) => gunzipSync(b),
};

describe('planBatch', () => {
  it('writes encodeBatch\'s bytes at any position of a larger buffer, and nothing outside them', () => {
    fc.assert(
      fc.property(records, fc.nat(40), fc.nat(40), fc.integer({ min: -1, max: 1000 }), (rs, before, after, seq) => {
        const input = { records: rs, baseOffset: 7, producerId: 3n, producerEpoch: 2, baseSequence: seq, partitionLeaderEpoch: 5 };
        const expected = encodeBatch(input);
        const plan = planBatch(input);
        expect(plan.size).toBe(expected.length);
        const out = new Uint8Array(before + plan.size + after).fill(0xee);
        plan.write(out, before);
        expect(out.subarray(before, before + plan.size)).toEqual(expected);
        expect(out.subarray(0, before).every((b) => b === 0xee)).toBe(true);
        expect(out.subarray(before + plan.size).every((b) => b === 0xee)).toBe(true);
        expect(decodeBatch(out.subarray(before, before + plan.size)).records.map((r) => r.value)).toEqual(rs.map((r) => r.value));
      }),
      { numRuns: 200 },
    );
  });

  it('writes a compressed batch (compressed when planned) as encodeBatch does', () => {
    const rs: BatchRecordInput[] = Array.from({ length: 50 }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, key: null, value: new TextEncoder().encode(`value ${i} `.repeat(20)) }));
    const expected = encodeBatch({ records: rs, compression: 'gzip', hooks: gzip });
    const plan = planBatch({ records: rs, compression: 'gzip', hooks: gzip });
    const out = new Uint8Array(plan.size + 3);
    plan.write(out, 3);
    expect(out.subarray(3)).toEqual(expected);
    expect(decodeBatch(out.subarray(3), { hooks: gzip }).records).toHaveLength(50);
  });

  it('refuses what encodeBatch refuses, when planned', () => {
    expect(() => planBatch({ records: [] })).toThrow(/at least one record/);
    expect(() => planBatch({ records: [{ timestamp: -2, key: null, value: null }] })).toThrow(/timestamp -2/);
    expect(() => planBatch({ records: [{ timestamp: 0, key: null, value: null }], compression: 'gzip' })).toThrow(/gzip compression is not supported/);
  });

  it('a produce body of planned batches is byte for byte the body of encoded batches', () => {
    fc.assert(
      fc.property(fc.array(records, { minLength: 1, maxLength: 4 }), fc.boolean(), (groups, idempotent) => {
        const id = idempotent ? { producerId: 'p-1', producerEpoch: 3 } : {};
        const seq = (i: number) => (idempotent ? { sequence: i * 100 } : {});
        const copied = encodeProduceRequest({ ...id, partitions: groups.map((rs, i) => ({ partition: i, ...seq(i), batch: encodeBatch({ records: rs }) })) });
        const planned = encodeProduceRequest({ ...id, partitions: groups.map((rs, i) => ({ partition: i, ...seq(i), batch: planBatch({ records: rs }) })) });
        expect(planned).toEqual(copied);
        expect(decodeProduceRequest(planned).partitions.map((p) => decodeBatch(p.batch).records.length)).toEqual(groups.map((g) => g.length));
      }),
      { numRuns: 100 },
    );
  });
});
