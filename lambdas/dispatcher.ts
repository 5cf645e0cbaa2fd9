/**
 * The `eddy-dispatcher` Lambda function: delivers topics to the functions
 * attached with `EddyStreams.addEventSource` (docs/triggers.md). Invoked by
 * the DynamoDB Streams event source mapping of the log table (new index
 * entries of topics with triggers) and by the one-minute sweep.
 */
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { EddyEvent } from '@eddy/api';
import { runtimeFromEnv } from './http/runtime.js';
import { Dispatcher, HandlerNotRunError, triggersFromEnv, type DestinationSender, type FunctionInvoker } from './trigger/dispatcher.js';
import { DynamoPartitionLeases } from './trigger/lease.js';
import { createAwsClients } from '../core/adapters/aws/index.js';

/**
 * Invoke API errors that mean the function never started: throttled, not
 * found, not ready, refused. Anything else (a timeout, a 5xx, a dropped
 * connection) may have run it and counts as the handler's failure; so does an
 * event too large to invoke with (bisecting it is what helps).
 */
const NOT_RUN_ERRORS = new Set([
  'TooManyRequestsException',
  'EC2ThrottledException',
  'ResourceNotFoundException',
  'ResourceNotReadyException',
  'ResourceConflictException',
  'AccessDeniedException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
]);

/**
 * Invokes a user's function with Lambda's Invoke API (RequestResponse); a
 * function error rejects, and an invoke refused before the function ran
 * rejects with {@link HandlerNotRunError} (retried, never counted as an attempt).
 */
export function lambdaInvoker(client: LambdaClient): FunctionInvoker {
  return async (functionArn: string, event: EddyEvent, timeoutMs: number) => {
    const out = await client
      .send(new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(JSON.stringify(event)) }), {
        abortSignal: AbortSignal.timeout(timeoutMs + 10_000),
      })
      .catch((err: unknown) => {
        const name = (err as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && NOT_RUN_ERRORS.has(name)) throw new HandlerNotRunError(`${functionArn} was not invoked (${name}): ${(err as Error).message}`);
        throw err;
      });
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) throw new Error(`${functionArn} failed (${out.FunctionError}): ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
}

/** Sends dead letters to SQS (`SendMessage`) or SNS (`Publish`). */
export function destinationSender(sqs: SQSClient, sns: SNSClient): DestinationSender {
  return async (destination, message) => {
    const body = JSON.stringify(message);
    if (destination.type === 'sqs') await sqs.send(new SendMessageCommand({ QueueUrl: destination.target, MessageBody: body }));
    else await sns.send(new PublishCommand({ TopicArn: destination.target, Message: body }));
  };
}

let dispatcher: Dispatcher | undefined;

/** Settings and clients are built once per container, on first use. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<unknown> {
  if (!dispatcher) {
    const runtime = runtimeFromEnv(process.env);
    const { dynamodb } = createAwsClients(runtime.settings);
    // A handler may run up to the dispatcher's own timeout: no client-side socket timeout below that.
    const lambda = new LambdaClient({ maxAttempts: 1, requestHandler: { requestTimeout: 900_000, connectionTimeout: 3_000 } });
    dispatcher = new Dispatcher({
      runtime,
      triggers: triggersFromEnv(process.env),
      leases: new DynamoPartitionLeases(dynamodb, runtime.settings.groupsTable),
      invoke: lambdaInvoker(lambda),
      sendDeadLetter: destinationSender(new SQSClient({}), new SNSClient({})),
    });
  }
  return dispatcher.handle(event, context?.getRemainingTimeInMillis?.());
}
