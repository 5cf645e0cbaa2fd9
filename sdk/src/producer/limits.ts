/**
 * Largest request body the service accepts (Lambda's synchronous payload
 * limit), counted as `jsonWireBytes` counts it (base64 and escaping
 * included), less room for the invoke envelope.
 */
export const MAX_REQUEST_BYTES = 6_000_000 - 4_096;

/**
 * Largest binary request body (`application/vnd.eddy.batches`): API Gateway
 * and Lambda invoke carry a binary body base64-encoded, so its bytes count
 * 4/3 toward {@link MAX_REQUEST_BYTES}.
 */
export const MAX_BINARY_REQUEST_BYTES = Math.floor((MAX_REQUEST_BYTES * 3) / 4);

/** Bytes a partition adds to a binary request besides its records: the envelope's 12 and a RecordBatch v2 header's 61. */
export const BINARY_PARTITION_OVERHEAD_BYTES = 12 + 61;
