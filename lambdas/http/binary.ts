/**
 * The binary wire format of produce and fetch (docs/api.md, "Binary
 * records"; the byte layout is in api/src/wire.ts): the handlers' side. The
 * envelope is read and written here; every rule (batch checks, record sizes,
 * idempotence, fetch limits, codecs) is core's (`log.produceBatches`,
 * `log.fetchBatches`).
 */
import { decodeProduceRequest, encodeFetchHeader, FETCH_ANSWER_HEADER_BYTES, type CompressionCodec, type WireProduceAnswer } from '@eddy/api';
import { EddyError } from '../../core/errors.js';
import { ByteParts } from './raw-body.js';
import type { Runtime } from './runtime.js';

/** Largest fetch answer (the JSON route's bound, {@link MAX_RESPONSE_BYTES} of routes.ts), counted after base64: what API Gateway and a Lambda invoke carry. */
const MAX_ANSWER_BASE64_BYTES = 5_500_000;
/** Bytes of batches in a binary fetch answer, so that its base64 stays under {@link MAX_ANSWER_BASE64_BYTES}. */
export const MAX_BINARY_ANSWER_BYTES = Math.floor((MAX_ANSWER_BASE64_BYTES * 3) / 4) - FETCH_ANSWER_HEADER_BYTES;

const hooks = { error: (code: ConstructorParameters<typeof EddyError>[0], message: string) => new EddyError(code, message) };

/** `POST /v1/topics/{topic}/records` with a binary body: answers `{partitions:[{partition, baseOffset, records}]}`. */
export async function produceBinary(rt: Runtime, topic: string, body: Uint8Array): Promise<WireProduceAnswer> {
  const request = decodeProduceRequest(body, hooks);
  const partitions = await rt.eddy.log.produceBatches({
    topic,
    partitions: request.partitions,
    ...(request.producerId !== undefined ? { producer: { producerId: request.producerId, producerEpoch: request.producerEpoch! } } : {}),
  });
  return { partitions };
}

/** What a binary fetch's Accept header asks for (api/src/wire.ts `acceptedBatchCodecs`, `readerChecksCrc`). */
export interface BinaryAccept {
  /** Codecs passed through compressed; `none` always. */
  readonly codecs: ReadonlySet<CompressionCodec>;
  /** The reader declared (`crc=client`) that it checks every batch's CRC32C: the server then skips its own check of stored batches. */
  readonly readerChecksCrc: boolean;
}

/** `GET …/partitions/{p}/records` answered in binary: the header, then the batches. */
export async function fetchBinary(
  rt: Runtime,
  topic: string,
  partition: number,
  query: { offset: number; maxRecords?: number | undefined; maxBytes?: number | undefined; waitMs?: number | undefined },
  accept: BinaryAccept,
): Promise<ByteParts> {
  const { offset, maxBytes, maxRecords, waitMs } = query;
  const result = await rt.eddy.log.fetchBatches(
    {
      topic,
      partition,
      offset,
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      ...(maxRecords !== undefined ? { maxRecords } : {}),
      ...(waitMs !== undefined ? { waitMs } : {}),
      codecs: accept.codecs,
      maxAnswerBytes: MAX_BINARY_ANSWER_BYTES,
    },
    { readerChecksCrc: accept.readerChecksCrc },
  );
  // The header, then the batches as read (views of the objects' bytes): joined only if a buffer is needed.
  return new ByteParts([encodeFetchHeader(result), ...result.batches]);
}
