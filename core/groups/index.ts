/**
 * Consumer groups, KIP-848 style: the {@link GroupCoordinator} the handlers
 * call, and the pure protocol and assignor it runs (docs/groups.md).
 */
export { GroupCoordinator, MAX_GROUP_STATE_BYTES, type GroupCoordinatorOptions } from './coordinator.js';
export { DEFAULT_REBALANCE_TIMEOUT_MS, SESSION_TIMEOUT_MS, heartbeatIntervalMs } from './protocol.js';
export { GROUP_LIMITS } from './requests.js';
export type * from './types.js';
