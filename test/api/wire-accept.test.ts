/**
 * The binary format's Accept negotiation (api/src/wire.ts): which codecs a
 * reader takes, and whether it declares that it checks CRC32Cs itself.
 */
import { describe, expect, it } from 'vitest';
import { acceptedBatchCodecs, batchesAccept, readerChecksCrc } from '@eddy/api';

describe('binary Accept', () => {
  it('crc=client only when the reader says so, in the binary media range', () => {
    expect(batchesAccept(['gzip'], { clientCrc: true })).toBe('application/vnd.eddy.batches; codecs="gzip"; crc=client');
    expect(batchesAccept(['gzip'])).toBe('application/vnd.eddy.batches; codecs="gzip"');
    expect(readerChecksCrc(batchesAccept(['gzip'], { clientCrc: true }))).toBe(true);
    expect(readerChecksCrc('application/vnd.eddy.batches;CRC="Client"')).toBe(true);
    for (const accept of [undefined, '', 'application/vnd.eddy.batches', 'application/vnd.eddy.batches; crc=server', 'application/json; crc=client, application/vnd.eddy.batches', 'application/json; crc=client']) {
      expect(readerChecksCrc(accept), String(accept)).toBe(false);
    }
  });

  it('codecs as before, the crc parameter aside', () => {
    expect([...acceptedBatchCodecs('application/vnd.eddy.batches; codecs="gzip,zstd"; crc=client')!]).toEqual(['none', 'gzip', 'zstd']);
    expect([...acceptedBatchCodecs('application/vnd.eddy.batches')!]).toEqual(['none']);
    expect(acceptedBatchCodecs('application/json')).toBeUndefined();
  });
});
