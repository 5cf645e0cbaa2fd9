/** CRC32C lives in `@eddy/api` (api/src/crc32c.ts), shared with the SDK; re-exported here for core's codecs. */
export { crc32c } from '@eddy/api';
