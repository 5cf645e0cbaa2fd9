/**
 * The dispatcher entry's AWS adapters: the user's function invoked
 * synchronously with the event (a function error fails the batch, an answer
 * is parsed), and dead letters sent with SendMessage or Publish.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EddyEvent } from '@eddy/api';
import { describe, expect, it } from 'vitest';
import { HandlerNotRunError } from '@eddy/sdk';
import { destinationSender, lambdaInvoker } from '../../lambdas/dispatcher.js';
import type { DeadLetterMessage } from '../../lambdas/trigger/dispatcher.js';

const EVENT: EddyEvent = { eventSource: 'eddy', topic: 'orders', partition: 1, groupId: 'g', records: [{ topic: 'orders', partition: 1, offset: 5, timestamp: 1, key: null, value: 'eA==', headers: [] }] };

function fakeLambda(answer: { Payload?: string; FunctionError?: string }): { client: LambdaClient; sent: InvokeCommand[] } {
  const sent: InvokeCommand[] = [];
  const client = {
    send: async (c: InvokeCommand) => {
      sent.push(c);
      return { StatusCode: 200, ...(answer.FunctionError ? { FunctionError: answer.FunctionError } : {}), ...(answer.Payload !== undefined ? { Payload: new TextEncoder().encode(answer.Payload) } : {}) };
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

describe('lambdaInvoker', () => {
  it('invokes the function synchronously with the event and returns its parsed answer', async () => {
    const { client, sent } = fakeLambda({ Payload: '{"batchItemFailures":[{"itemIdentifier":"5"}]}' });
    const answer = await lambdaInvoker(client)('arn:aws:lambda:us-east-1:1:function:f', EVENT, 1_000);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '5' }] });
    expect(sent[0]).toBeInstanceOf(InvokeCommand);
    expect(sent[0]!.input.FunctionName).toBe('arn:aws:lambda:us-east-1:1:function:f');
    expect(sent[0]!.input.InvocationType).toBeUndefined(); // RequestResponse
    expect(JSON.parse(new TextDecoder().decode(sent[0]!.input.Payload as Uint8Array))).toEqual(EVENT);
  });

  it('returns undefined for an empty answer (null is JSON too)', async () => {
    expect(await lambdaInvoker(fakeLambda({}).client)('f', EVENT, 1_000)).toBeUndefined();
    expect(await lambdaInvoker(fakeLambda({ Payload: 'null' }).client)('f', EVENT, 1_000)).toBeNull();
  });

  it('rejects when the function failed, with its error', async () => {
    const { client } = fakeLambda({ FunctionError: 'Unhandled', Payload: '{"errorType":"Error","errorMessage":"boom"}' });
    await expect(lambdaInvoker(client)('f', EVENT, 1_000)).rejects.toThrow(/f failed \(Unhandled\): .*boom/);
  });
  it('rejects an invoke refused before the function ran (throttled, not found) as not run; anything else as a failure', async () => {
    const refusing = (name: string): LambdaClient =>
      ({
        send: async () => {
          throw Object.assign(new Error(`${name} happened`), { name });
        },
      }) as unknown as LambdaClient;
    for (const name of ['TooManyRequestsException', 'ResourceNotFoundException', 'AccessDeniedException']) {
      const err = await lambdaInvoker(refusing(name))('f', EVENT, 1_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HandlerNotRunError);
      expect((err as Error).message).toBe(`f was not invoked (${name}): ${name} happened`);
    }
    for (const name of ['ServiceException', 'TimeoutError', 'RequestTooLargeException']) {
      const err = await lambdaInvoker(refusing(name))('f', EVENT, 1_000).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(HandlerNotRunError);
      expect((err as Error).name).toBe(name);
    }
  });
});

describe('destinationSender', () => {
  const message = { requestContext: { condition: 'RetryAttemptsExhausted', functionArn: 'f', approximateInvokeCount: 3 }, trigger: 'orders/g' } as unknown as DeadLetterMessage;

  it('sends to SQS by queue URL and to SNS by topic ARN, the message as JSON', async () => {
    const sent: unknown[] = [];
    const sqs = { send: async (c: unknown) => void sent.push(c) } as unknown as SQSClient;
    const sns = { send: async (c: unknown) => void sent.push(c) } as unknown as SNSClient;
    const send = destinationSender(sqs, sns);
    await send({ type: 'sqs', target: 'https://sqs.us-east-1.amazonaws.com/1/dlq' }, message);
    await send({ type: 'sns', target: 'arn:aws:sns:us-east-1:1:alerts' }, message);
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
    expect((sent[0] as SendMessageCommand).input).toEqual({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq', MessageBody: JSON.stringify(message) });
    expect(sent[1]).toBeInstanceOf(PublishCommand);
    expect((sent[1] as PublishCommand).input).toEqual({ TopicArn: 'arn:aws:sns:us-east-1:1:alerts', Message: JSON.stringify(message) });
  });
});
