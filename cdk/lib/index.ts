/** Eddy's CDK constructs. */
export { EddyStreams, BUNDLING, ESM_REQUIRE_BANNER, lambdaEntry } from './eddy-streams.js';
export type { EddyStreamsProps, EddyGrantOptions, EddyLogLevel, EddyTableKey } from './eddy-streams.js';
export { EddyStack } from './eddy-stack.js';
export type { EddyStackProps } from './eddy-stack.js';
export { API_ROUTES, INVOKE_ACCESS, iamPaths } from './routes.js';
export type { Access, ApiRoute, ApiFunctionKind } from './routes.js';
export { EddyKafkaGateway, KAFKA_GATEWAY_PERMISSIONS, KAFKA_GATEWAY_DOCKERFILE } from './kafka-gateway.js';
export type { EddyKafkaGatewayProps } from './kafka-gateway.js';
export { EddyTriggers, DISPATCHER_MEMORY_MB, DISPATCHER_TIMEOUT, SWEEP_INTERVAL } from './event-source.js';
export type { EddyEventSource, EddyEventSourceProps, EddyFailureDestination, EddyStartingPosition, TriggerHost } from './event-source.js';
