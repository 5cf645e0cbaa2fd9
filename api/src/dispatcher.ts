/**
 * The contract between the CDK construct (`EddyStreams.addEventSource`) and
 * the deployed trigger dispatcher (`lambdas/dispatcher.ts`): the environment
 * variable that lists the triggers, its shape, the sweep payload and the lag
 * metric's names. docs/triggers.md describes the design.
 */

/** Environment variable of the dispatcher holding the JSON array of {@link DispatcherTrigger}s. */
export const DISPATCHER_TRIGGERS_ENV = 'EDDY_TRIGGERS';

/** The payload the one-minute schedule sends the dispatcher: re-drive every partition that lags. */
export const SWEEP_EVENT = { eddySweep: true } as const;

/** Where a batch given up on goes: an SQS queue or an SNS topic, by ARN. */
export interface DispatcherDestination {
  readonly type: 'sqs' | 'sns';
  /** Queue URL (sqs) or topic ARN (sns). */
  readonly target: string;
}

/** One trigger as the dispatcher reads it; every field is filled in by the construct. */
export interface DispatcherTrigger {
  /** Name of the trigger in logs and the lag metric's `Trigger` dimension: `<topic>/<groupId>`. */
  readonly id: string;
  readonly topic: string;
  readonly groupId: string;
  /** ARN (or name) of the user's function, invoked synchronously with an `EddyEvent`. */
  readonly functionArn: string;
  /** The handler's timeout in ms: how long one delivery may take (the partition lease covers it). */
  readonly handlerTimeoutMs: number;
  readonly startingPosition: 'earliest' | 'latest' | { readonly timestamp: number };
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  /** -1 retries forever. */
  readonly retryAttempts: number;
  readonly bisectBatchOnError: boolean;
  /** Without it a handler's `batchItemFailures` are ignored (the batch counts as processed), as in Lambda. */
  readonly reportBatchItemFailures: boolean;
  readonly onFailure?: DispatcherDestination;
}

/** The lag metric the dispatcher publishes (CloudWatch embedded metric format). */
export const TRIGGER_METRICS = {
  namespace: 'Eddy/Triggers',
  /** Dimension: the trigger's {@link DispatcherTrigger.id}. */
  dimension: 'Trigger',
  /** Records not yet delivered, summed over the topic's partitions. */
  lagRecords: 'LagRecords',
  /** Age (ms) of the oldest undelivered record, by its timestamp: the analogue of Kinesis' IteratorAge. */
  oldestAgeMs: 'OldestUndeliveredAgeMs',
} as const;
