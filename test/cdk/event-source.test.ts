/**
 * `EddyStreams.addEventSource`: the dispatcher, the stream on the log table
 * and its filter, the sweep, exact least-privilege permissions (no wildcard
 * actions), the trigger list handed to the dispatcher, lag alarms, prop
 * validation, and cdk-nag with triggers attached.
 */
import type { DispatcherTrigger } from '@eddy/api';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnsDestination, SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { EddyStreams } from '../../cdk/lib/eddy-streams.js';
import { MALLOC_ENV } from '../../core/config.js';
import { actionsOf, allStatements, removeTestApps, render, resourcesOf, testApp } from './helpers.js';

const SYNTH_TIMEOUT = 300_000;
afterAll(removeTestApps);

let stack: EddyStack;
let template: Template;
let names: Record<string, string>;
let dispatcherId: string;
let logId: string;

const userFn = (scope: Stack, id: string, timeout = Duration.seconds(30)): lambda.Function =>
  new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'), timeout });

beforeAll(() => {
  const app = testApp(false);
  stack = new EddyStack(app, 'EddyTriggers');
  const billing = userFn(stack, 'Billing');
  const audit = userFn(stack, 'Audit', Duration.minutes(2));
  const dlq = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
  const alerts = new sns.Topic(stack, 'Alerts', { enforceSSL: true });
  stack.eddy.addEventSource(billing, { topic: 'orders', groupId: 'billing', startingPosition: 'earliest', batchSize: 50, retryAttempts: 3, bisectBatchOnError: true, reportBatchItemFailures: true, onFailure: new SqsDestination(dlq) });
  stack.eddy.addEventSource(audit, { topic: 'orders', groupId: 'audit', onFailure: new SnsDestination(alerts), maxBatchingWindow: Duration.seconds(2), lagAlarmThreshold: Duration.minutes(1) });
  stack.eddy.addEventSource(billing, { topic: 'payments', groupId: 'billing-payments', startingPosition: { timestamp: 1_700_000_000_000 } });
  template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(c.node.defaultChild as never);
  dispatcherId = id(stack.eddy.dispatcherFunction as lambda.Function);
  logId = id(stack.eddy.tables.logTable);
  names = {
    [id(stack.eddy.tables.topicsTable)]: 'topics',
    [id(stack.eddy.tables.logTable)]: 'log',
    [id(stack.eddy.tables.groupsTable)]: 'groups',
    [id(stack.eddy.bucket)]: 'bucket',
    [id(billing)]: 'fn:billing',
    [id(audit)]: 'fn:audit',
    [id(dlq)]: 'dlq',
    [stack.getLogicalId(alerts.node.defaultChild as never)]: 'alerts',
  };
}, SYNTH_TIMEOUT);

function dispatcherPermissions(): Record<string, string[]> {
  const fn = template.toJSON().Resources[dispatcherId];
  const roleId = (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
  const out: Record<string, Set<string>> = {};
  for (const s of Object.values(policies).flatMap((p) => allStatements(p.Properties.PolicyDocument))) {
    expect(s.Effect).toBe('Allow');
    for (const a of actionsOf(s)) expect(a, 'no wildcard actions').not.toMatch(/\*/);
    // Logs and traces are the Lambda service's, not the handler's (CDK may merge the X-Ray statement with another on '*').
    const actions = actionsOf(s).filter((a) => !/^(logs|xray):/.test(a));
    for (const r of resourcesOf(s)) for (const a of actions) (out[render(r, names)] ??= new Set()).add(a);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

describe('addEventSource', () => {
  it('adds one dispatcher, named eddy-dispatcher, with the Eddy environment and the trigger list', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'eddy-dispatcher' } });
    expect(Object.keys(fns)).toEqual([dispatcherId]);
    const props = fns[dispatcherId]!.Properties;
    expect(props).toMatchObject({ Timeout: 900, MemorySize: 512, Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect(Object.keys(props.Environment.Variables)).toEqual(expect.arrayContaining(['EDDY_TOPICS_TABLE', 'EDDY_LOG_TABLE', 'EDDY_GROUPS_TABLE', 'EDDY_BUCKET', 'EDDY_TRIGGERS']));
    // glibc malloc tuning, as on every Eddy function.
    expect(props.Environment.Variables).toMatchObject(MALLOC_ENV);
    const json = stack.resolve(props.Environment.Variables.EDDY_TRIGGERS) as unknown;
    // The list is a Fn::Join of the JSON text around function ARNs; render it back.
    const triggers = JSON.parse(render(json, names)) as DispatcherTrigger[];
    expect(triggers).toEqual([
      { id: 'orders/billing', topic: 'orders', groupId: 'billing', functionArn: 'fn:billing', handlerTimeoutMs: 30_000, startingPosition: 'earliest', batchSize: 50, maxBatchingWindowMs: 0, retryAttempts: 3, bisectBatchOnError: true, reportBatchItemFailures: true, onFailure: { type: 'sqs', target: 'dlq' } },
      { id: 'orders/audit', topic: 'orders', groupId: 'audit', functionArn: 'fn:audit', handlerTimeoutMs: 120_000, startingPosition: 'latest', batchSize: 100, maxBatchingWindowMs: 2_000, retryAttempts: -1, bisectBatchOnError: false, reportBatchItemFailures: false, onFailure: { type: 'sns', target: 'alerts' } },
      { id: 'payments/billing-payments', topic: 'payments', groupId: 'billing-payments', functionArn: 'fn:billing', handlerTimeoutMs: 30_000, startingPosition: { timestamp: 1_700_000_000_000 }, batchSize: 100, maxBatchingWindowMs: 0, retryAttempts: -1, bisectBatchOnError: false, reportBatchItemFailures: false },
    ]);
  });

  it('turns on a NEW_IMAGE stream on the log table and maps it to the dispatcher, filtered to new entries of topics with triggers', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.keys(mappings)).toHaveLength(1);
    const m = Object.values(mappings)[0]!.Properties;
    expect(render(m.EventSourceArn, names)).toBe(`{${logId}.StreamArn}`);
    expect(render(m.FunctionName, names)).toBe(`{${dispatcherId}}`);
    expect(m).toMatchObject({ StartingPosition: 'LATEST', BatchSize: 100, MaximumBatchingWindowInSeconds: 0, ParallelizationFactor: 1, MaximumRetryAttempts: 2, BisectBatchOnFunctionError: false });
    expect(m.FilterCriteria.Filters).toHaveLength(1);
    expect(JSON.parse(m.FilterCriteria.Filters[0].Pattern as string)).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { n: { S: ['orders', 'payments'] } } } });
  });

  it('sweeps every minute with the sweep payload', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [dispatcherId, 'Arn'] }, Input: JSON.stringify({ eddySweep: true }), RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('grants the dispatcher exactly what it uses: the attached functions, the destinations, the stream, and Eddy API reads and commits', () => {
    expect(dispatcherPermissions()).toEqual({
      topics: ['dynamodb:GetItem'],
      log: ['dynamodb:Query'],
      groups: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      'bucket/ingest/*': ['s3:GetObject'],
      'bucket/segments/*': ['s3:GetObject'],
      [`{${logId}.StreamArn}`]: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      '*': ['dynamodb:ListStreams'],
      'fn:billing': ['lambda:InvokeFunction'],
      'fn:audit': ['lambda:InvokeFunction'],
      dlq: ['sqs:SendMessage'],
      alerts: ['sns:Publish'],
    });
  });

  it('under the reserve append protocol, may also put index entries (the abandon markers a reader writes at a dead writer\'s hole), and the head stack may not', () => {
    const logActions = (appendProtocol: 'head' | 'reserve'): string[] => {
      const s = new Stack(testApp(false), `Reserve${appendProtocol}`);
      const eddy = new EddyStreams(s, 'Eddy', { appendProtocol });
      eddy.addEventSource(userFn(s, 'Fn'), { topic: 'orders', groupId: 'g' });
      const t = Template.fromStack(s);
      const fn = t.toJSON().Resources[s.getLogicalId((eddy.dispatcherFunction as lambda.Function).node.defaultChild as never)];
      const roleId = (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;
      const logTable = s.getLogicalId(eddy.tables.logTable.node.defaultChild as never);
      const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
      return [
        ...new Set(
          Object.values(policies)
            .flatMap((p) => allStatements(p.Properties.PolicyDocument))
            .filter((st) => resourcesOf(st).some((r) => JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [logTable, 'Arn'] })))
            .flatMap((st) => actionsOf(st)),
        ),
      ].sort();
    };
    expect(logActions('reserve')).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(logActions('head')).toEqual(['dynamodb:Query']);
  }, SYNTH_TIMEOUT);

  it("reaches only its triggers' groups in the groups table (LeadingKeys), never another consumer group", async () => {
    const fn = template.toJSON().Resources[dispatcherId];
    const roleId = (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
    const onGroups = Object.values(policies)
      .flatMap((p) => allStatements(p.Properties.PolicyDocument))
      .filter((st) => resourcesOf(st).some((r) => render(r, names) === 'groups'));
    expect(onGroups).toHaveLength(1);
    expect(onGroups[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['audit', 'billing', 'billing-payments'] } });
    // As IAM decides it: a trigger's own group is reachable, another group is not.
    const table = 'arn:aws:dynamodb:us-east-1:123456789012:table/eddy-groups';
    const policy = { Version: '2012-10-17', Statement: [{ ...onGroups[0]!, Resource: table }] };
    const decide = async (action: string, group: string): Promise<string> => {
      const r = await runSimulation(
        {
          identityPolicies: [{ name: 'dispatcher', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: { action, principal: 'arn:aws:iam::123456789012:role/dispatcher', resource: { accountId: '123456789012', resource: table }, contextVariables: { 'dynamodb:LeadingKeys': [group] } },
        },
        {},
      );
      return r.resultType === 'error' ? `error ${JSON.stringify(r.errors)}` : String(r.overallResult);
    };
    expect(await decide('dynamodb:UpdateItem', 'billing')).toBe('Allowed');
    expect(await decide('dynamodb:Query', 'audit')).toBe('Allowed');
    expect(await decide('dynamodb:PutItem', 'someone-elses-group')).toBe('ImplicitlyDenied');
  });

  it("leaves the user's functions without any Eddy permission", () => {
    for (const fnName of ['Billing', 'Audit']) {
      const fn = stack.node.findChild(fnName) as lambda.Function;
      const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
      const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
      expect(Object.keys(policies)).toEqual([]);
    }
  });

  it('adds a lag alarm per trigger on the oldest undelivered record, wired to the alarm action', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'Eddy/Triggers' } });
    const byTrigger = Object.fromEntries(Object.values(alarms).map((a) => [a.Properties.Dimensions[0].Value, a.Properties]));
    expect(Object.keys(byTrigger).sort()).toEqual(['orders/audit', 'orders/billing', 'payments/billing-payments']);
    expect(byTrigger['orders/billing']).toMatchObject({ MetricName: 'OldestUndeliveredAgeMs', Statistic: 'Maximum', Period: 300, Threshold: 300_000, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(byTrigger['orders/audit']).toMatchObject({ Threshold: 60_000 });
    // EddyStack has no alarm topic without an email; with one, the trigger alarms join the others.
    const app = testApp(false);
    const withEmail = new EddyStack(app, 'WithEmail', { alarmEmail: 'ops@example.com' });
    const t = withEmail.eddy.addEventSource(userFn(withEmail, 'Fn'), { topic: 'orders', groupId: 'g' });
    expect(withEmail.eddy.alarms).toContain(t.lagAlarm);
    const p = Template.fromStack(withEmail).toJSON().Resources[withEmail.getLogicalId(t.lagAlarm.node.defaultChild as never)].Properties;
    expect(p.AlarmActions).toHaveLength(1);
  });

  it('accepts SqsDlq and a plain queue as onFailure too', () => {
    const app = testApp(false);
    const s = new Stack(app, 'Dlqs');
    const eddy = new EddyStreams(s, 'Eddy');
    const q = new sqs.Queue(s, 'Q', { enforceSSL: true });
    eddy.addEventSource(userFn(s, 'A'), { topic: 't', groupId: 'a', onFailure: new SqsDlq(q) });
    eddy.addEventSource(userFn(s, 'B'), { topic: 't', groupId: 'b', onFailure: q });
    const policies = Template.fromStack(s).findResources('AWS::IAM::Policy');
    const sends = Object.values(policies).flatMap((p) => allStatements(p.Properties.PolicyDocument)).filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(sends.map((st) => actionsOf(st))).toEqual([['sqs:SendMessage'], ['sqs:SendMessage']]);
  });

  it('rejects bad options, naming them', () => {
    const app = testApp(false);
    const s = new Stack(app, 'Bad');
    const eddy = new EddyStreams(s, 'Eddy');
    const fn = userFn(s, 'F');
    expect(() => eddy.addEventSource(fn, { topic: 'bad topic', groupId: 'g' })).toThrow(/topic must be a valid topic name/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: '' })).toThrow(/groupId/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: 'g', batchSize: 0 })).toThrow(/batchSize must be an integer from 1 to 10000, got 0/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: 'g', retryAttempts: -2 })).toThrow(/retryAttempts/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: 'g', maxBatchingWindow: Duration.minutes(6) })).toThrow(/maxBatchingWindow/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: 'g', startingPosition: 'now' as never })).toThrow(/startingPosition/);
    expect(() => eddy.addEventSource(userFn(s, 'Slow', Duration.minutes(15)), { topic: 't', groupId: 'g' })).toThrow(/at most 14 minutes/);
    expect(() => eddy.addEventSource(userFn(s, 'Long', Duration.minutes(12)), { topic: 't', groupId: 'g', maxBatchingWindow: Duration.minutes(3) })).toThrow(/maxBatchingWindow \+ the handler's timeout must be at most 14 minutes/);
    expect(() => eddy.addEventSource(fn, { topic: 't', groupId: 'g', onFailure: {} as never })).toThrow(/onFailure must be/);
    eddy.addEventSource(fn, { topic: 't', groupId: 'g' });
    expect(() => eddy.addEventSource(fn, { topic: 'u', groupId: 'g' })).toThrow(/already used by another trigger/);
  });

  it("refuses at synth a trigger list over Lambda's limits (the filter pattern, the dispatcher's environment), and takes eight triggers", () => {
    const synthErrors = (triggers: number, topicName: (i: number) => string): string[] => {
      const app = testApp(false);
      const s = new Stack(app, 'Many');
      const eddy = new EddyStreams(s, 'Eddy');
      for (let i = 0; i < triggers; i++) eddy.addEventSource(userFn(s, `F${i}`), { topic: topicName(i), groupId: `g${i}` });
      const errors = (s.node.findAll().flatMap((c) => c.node.validate()) as string[]).filter((e) => /triggers|dispatcher's environment/.test(e));
      return errors;
    };
    expect(synthErrors(8, (i) => `orders-${i}`)).toEqual([]);
    const tooMany = synthErrors(30, (i) => `orders-${i}`);
    expect(tooMany.join('\n')).toMatch(/dispatcher's environment would be about \d+ bytes with 30 triggers, over Lambda's 4096/);
    const longNames = synthErrors(20, (i) => `${'t'.repeat(240)}-${i}`);
    expect(longNames.join('\n')).toMatch(/stream filter is \d+ characters, over Lambda's 4096/);
  });

  it('a stack without triggers has no dispatcher, stream, mapping or sweep', () => {
    const app = testApp(false);
    const s = new EddyStack(app, 'NoTriggers');
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'eddy-dispatcher' } }))).toEqual([]);
    for (const table of Object.values(t.findResources('AWS::DynamoDB::Table'))) expect(table.Properties.StreamSpecification).toBeUndefined();
    expect(s.eddy.dispatcherFunction).toBeUndefined();
  });

  it(
    'passes cdk-nag with triggers attached (every finding acknowledged with a reason)',
    () => {
      const app = testApp(false);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const s = new EddyStack(app, 'Nag');
      const fn = userFn(s, 'Handler');
      // A user function as cdk-nag wants it to look is the user's business; acknowledge its own findings.
      const reason = 'the test handler is not part of Eddy: its runtime and managed policy are the user’s choice';
      Validations.of(fn).acknowledge({ id: 'AwsSolutions::AwsSolutions-L1', reason });
      Validations.of(fn.role!).acknowledge({ id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason });
      const dlq = new sqs.Queue(s, 'Dlq', { enforceSSL: true });
      Validations.of(dlq).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'this queue is itself a dead-letter queue, so it needs none of its own here' });
      s.eddy.addEventSource(fn, { topic: 'orders', groupId: 'billing', onFailure: new SqsDestination(dlq) });
      expect(() => app.synth()).not.toThrow();
    },
    SYNTH_TIMEOUT,
  );
});

