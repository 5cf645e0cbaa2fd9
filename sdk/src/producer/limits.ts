/**
 * Largest request body the service accepts (Lambda's synchronous payload
 * limit), counted as `jsonWireBytes` counts it (base64 and escaping
 * included), less room for the invoke envelope.
 */
export const MAX_REQUEST_BYTES = 6_000_000 - 4_096;
