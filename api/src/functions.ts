/**
 * Eddy's Lambda functions: one per API family plus maintenance. The CDK stack
 * names them, the local host serves the Lambda Invoke API under these names,
 * and the SDK's Lambda transport invokes them.
 */

/** Default function names per API family (the CDK stack may prefix them). */
export const FUNCTION_NAMES = {
  produce: 'eddy-produce',
  fetch: 'eddy-fetch',
  groups: 'eddy-groups',
  admin: 'eddy-admin',
  maintenance: 'eddy-maintenance',
} as const;

/** An API family, served by one function. */
export type FunctionKind = keyof typeof FUNCTION_NAMES;

/** The families that serve HTTP routes (maintenance is scheduled or invoked directly). */
export type ApiFunctionKind = Exclude<FunctionKind, 'maintenance'>;

/**
 * Functions that exist only when a stack attaches triggers
 * (`EddyStreams.addEventSource`): the dispatcher that DynamoDB Streams and a
 * one-minute schedule invoke (docs/triggers.md). Kept apart from
 * {@link FUNCTION_NAMES} because a stack without triggers has none of them.
 */
export const TRIGGER_FUNCTION_NAMES = {
  dispatcher: 'eddy-dispatcher',
} as const;
