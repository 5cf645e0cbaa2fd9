/** Eddy's CDK constructs. */
export { EddyStreams, BUNDLING, ESM_REQUIRE_BANNER, lambdaEntry } from './eddy-streams.js';
export type { EddyStreamsProps, EddyGrantOptions, EddyLogLevel, EddyTableKey } from './eddy-streams.js';
export { EddyStack } from './eddy-stack.js';
export type { EddyStackProps } from './eddy-stack.js';
export { API_ROUTES, INVOKE_ACCESS, iamPaths } from './routes.js';
export type { Access, ApiRoute, ApiFunctionKind } from './routes.js';
