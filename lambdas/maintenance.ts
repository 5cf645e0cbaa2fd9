/** The `eddy-maintenance` Lambda function. Event shapes: lambdas/http/handler.ts and docs/api.md. */
import { lambdaHandler } from './http/handler.js';
import { runtimeFromEnv } from './http/runtime.js';

/** Settings are read and clients created once per container, on first use. */
export const handler = lambdaHandler('maintenance', () => runtimeFromEnv(process.env));
