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
