/** Triggers: the delivery engine shared by `eddy trigger` and the deployed dispatcher. */
export { Trigger, HandlerNotRunError, type AttemptStore, type StoredAttempts, toEddyRecord, validateTriggerSettings, type DeadLetter, type Deliver, type StartingPosition, type TriggerClient, type TriggerComponents, type TriggerEvent, type TriggerSettings } from './engine.js';
