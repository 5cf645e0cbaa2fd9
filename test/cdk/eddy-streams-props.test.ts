/**
 * EddyStreamsProps: validation names the bad value, and every prop reaches the
 * template. Bundling is skipped here (the code is checked in eddy-streams.test.ts).
 */
import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { EddyStreams, type EddyStreamsProps, type EddyLogLevel } from '../../cdk/lib/eddy-streams.js';
import { ENV, MALLOC_ENV, MALLOC_ENV_NAMES } from '../../core/config.js';
import { FUNCTION_NAMES, type FunctionKind } from '../../core/schema.js';
import { removeTestApps, testApp } from './helpers.js';

// Bundling five functions with esbuild takes seconds alone and minutes on a busy CI machine running other suites.
const SYNTH_TIMEOUT = 300_000;

afterAll(removeTestApps);
const KINDS = Object.keys(FUNCTION_NAMES) as FunctionKind[];

function build(props: EddyStreamsProps): { stack: Stack; eddy: EddyStreams } {
  const stack = new Stack(testApp(false), 'PropsTest');
  return { stack, eddy: new EddyStreams(stack, 'Eddy', props) };
}

describe('validation names the bad value', () => {
  const cases: [string, EddyStreamsProps, RegExp][] = [
    ['removalPolicy', { removalPolicy: RemovalPolicy.SNAPSHOT }, /removalPolicy must be RETAIN or DESTROY, got "snapshot"/],
    ['memorySize too small', { memorySize: 64 }, /memorySize .* got 64/],
    ['memorySize not an integer', { memorySize: 512.5 }, /memorySize .* got 512\.5/],
    ['architecture', { architecture: lambda.Architecture.custom('riscv64') }, /architecture .* got "riscv64"/],
    ['maintenanceInterval below a minute', { maintenanceInterval: Duration.seconds(30) }, /maintenanceInterval .* got 30 seconds/],
    ['maintenanceInterval not whole minutes', { maintenanceInterval: Duration.seconds(90) }, /maintenanceInterval .* got 1 minute 30 seconds/],
    ['maintenanceInterval above a day', { maintenanceInterval: Duration.days(2) }, /maintenanceInterval .* got 2 days/],
    ['gcGrace within a function timeout', { gcGrace: Duration.minutes(5) }, /gcGrace must be longer .* got 5 minutes/],
    ['compactionTargetBytes', { compactionTargetBytes: 1000 }, /compactionTargetBytes .* got 1000/],
    ['heartbeatInterval', { heartbeatInterval: Duration.millis(50) }, /heartbeatInterval must be from 100 ms to 60 s, got 50 millis/],
    ['handoverHeartbeatInterval', { handoverHeartbeatInterval: Duration.minutes(2) }, /handoverHeartbeatInterval must be from 100 ms to 60 s/],
    ['logLevel', { logLevel: 'verbose' as EddyLogLevel }, /logLevel .* got "verbose"/],
    ['appendProtocol', { appendProtocol: 'ticket' as 'reserve' }, /appendProtocol must be head\|reserve, got "ticket"/],
    ['logRetention', { logRetention: 4 as logs.RetentionDays }, /logRetention .* got 4/],
    ['functionNamePrefix characters', { functionNamePrefix: 'my eddy!' }, /functionNamePrefix .* got "my eddy!"/],
    ['functionNamePrefix length', { functionNamePrefix: 'x'.repeat(53) }, /functionNamePrefix .* got "x{53}"/],
  ];
  for (const [name, props, message] of cases) {
    it(name, () => {
      expect(() => build(props)).toThrow(message);
    });
  }

  it('grant options', () => {
    const { stack, eddy } = build({});
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => eddy.grantProduce(role, { topics: [] })).toThrow(/topics must name at least one topic; omit it to grant all, got \[\]/);
    expect(() => eddy.grantProduce(role, { topics: ['orders', 'or*ders'] })).toThrow(/topics contains an invalid name "or\*ders"/);
    expect(() => eddy.grantConsume(role, { topics: ['..'] })).toThrow(/invalid name "\.\."/);
    expect(() => eddy.grantConsume(role, { groups: ['a/b'] })).toThrow(/groups contains an invalid name "a\/b"/);
  });

  it('accepts the documented limits', () => {
    expect(() =>
      build({ memorySize: 128, maintenanceInterval: Duration.minutes(1), gcGrace: Duration.minutes(6), compactionTargetBytes: 1024 * 1024 }),
    ).not.toThrow();
    expect(() => build({ memorySize: 10240, maintenanceInterval: Duration.days(1), functionNamePrefix: 'x'.repeat(52) })).not.toThrow();
  });
});

describe('removalPolicy DESTROY', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(build({ removalPolicy: RemovalPolicy.DESTROY }).stack);
  }, SYNTH_TIMEOUT);

  it('deletes bucket, tables and log groups, and drops deletion protection', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const r of resources) expect(r.DeletionPolicy, type).toBe('Delete');
    }
    for (const t of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(t.Properties.DeletionProtectionEnabled).toBe(false);
      // Point-in-time recovery stays on either way.
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('adds no auto-delete custom resource (it would need wildcard S3 actions)', () => {
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toEqual([]);
    template.resourceCountIs('AWS::Lambda::Function', KINDS.length);
  });
});

describe('glibc malloc tuning by function memory', () => {
  /** The Environment.Variables of every Eddy function of a stack with `memorySize`. */
  function functionVars(memorySize: number): Record<string, string>[] {
    const { stack, eddy } = build({ memorySize });
    const resources = Template.fromStack(stack).toJSON().Resources;
    return KINDS.map((kind) => resources[stack.getLogicalId((eddy.functions[kind] as lambda.Function).node.defaultChild as lambda.CfnFunction)].Properties.Environment.Variables as Record<string, string>);
  }

  it('functions under 512 MiB keep glibc defaults; from 512 MiB they get MALLOC_ENV', () => {
    for (const memorySize of [128, 256, 511]) {
      for (const vars of functionVars(memorySize)) {
        expect(vars[ENV.topicsTable], `${memorySize}`).toBeDefined();
        for (const name of Object.values(MALLOC_ENV_NAMES)) expect(vars, `${memorySize} MiB: ${name}`).not.toHaveProperty(name);
      }
    }
    for (const memorySize of [512, 3008]) for (const vars of functionVars(memorySize)) expect(vars, `${memorySize}`).toMatchObject(MALLOC_ENV);
  }, SYNTH_TIMEOUT);
});

describe('overrides reach the template', () => {
  let template: Template;
  let stack: Stack;
  let eddy: EddyStreams;
  beforeAll(() => {
    ({ stack, eddy } = build({
      architecture: lambda.Architecture.X86_64,
      memorySize: 512,
      functionNamePrefix: 'staging-eddy',
      maintenanceInterval: Duration.minutes(15),
      gcGrace: Duration.minutes(30),
      compactionTargetBytes: 16 * 1024 * 1024,
      heartbeatInterval: Duration.seconds(2),
      handoverHeartbeatInterval: Duration.millis(250),
      logLevel: 'debug',
      appendProtocol: 'reserve',
      logRetention: logs.RetentionDays.ONE_WEEK,
    }));
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('functions', () => {
    for (const kind of KINDS) {
      const fn = eddy.functions[kind] as lambda.Function;
      const props = template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)].Properties;
      expect(props.FunctionName).toBe(`staging-eddy-${kind}`);
      expect(props.Architectures).toEqual(['x86_64']);
      expect(props.MemorySize).toBe(512);
      expect(props.Environment.Variables).toMatchObject({
        [ENV.logLevel]: 'debug',
        [ENV.gcGraceMs]: String(30 * 60_000),
        [ENV.compactionTargetBytes]: String(16 * 1024 * 1024),
        [ENV.heartbeatIntervalMs]: '2000',
        [ENV.handoverHeartbeatIntervalMs]: '250',
        [ENV.appendProtocol]: 'reserve',
      });
    }
  });

  it('reserve protocol: produce may update and put offset counters (keys n#…) and nothing else of the topics table; fetch may put abandon markers', () => {
    const statements = (kind: (typeof KINDS)[number]) => {
      const role = (eddy.functions[kind] as lambda.Function).role!;
      const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Condition?: unknown; Resource: unknown }>);
    };
    const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const counter = statements('produce').filter((s) => actions(s).includes('dynamodb:UpdateItem'));
    expect(counter).toHaveLength(1);
    expect(actions(counter[0]!).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(counter[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['n#*'] } });
    expect(statements('fetch').filter((s) => actions(s).includes('dynamodb:PutItem'))).toHaveLength(1);
    // The default (head) stack grants neither.
    const head = build({});
    const headTemplate = Template.fromStack(head.stack).toJSON() as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: Array<{ Action: string | string[] }> } } }> };
    const all = Object.values(headTemplate.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument!.Statement);
    expect(all.some((s) => JSON.stringify(s).includes('dynamodb:LeadingKeys') && JSON.stringify(s).includes('n#*'))).toBe(false);
  }, SYNTH_TIMEOUT);

  it('schedule and log retention', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    for (const g of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(g.Properties.RetentionInDays).toBe(7);
  });
});

describe('alarmAction, throttling, reserved concurrency, tracing (issue 19 items 4 and 8)', () => {
  it(
    'an SNS topic as alarmAction notifies from every alarm',
    () => {
      const stack = new Stack(testApp(false), 'AlarmTopicTest');
      const topic = new sns.Topic(stack, 'Ops');
      const eddy = new EddyStreams(stack, 'Eddy', { alarmAction: topic });
      const template = Template.fromStack(stack);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBe(eddy.alarms.length);
      expect(alarms.length).toBe(KINDS.length * 2 + 3 + 2);
      const topicId = stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic);
      for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'any IAlarmAction works too, and without one no alarm has an action',
    () => {
      const stack = new Stack(testApp(false), 'AlarmActionTest');
      const action: cloudwatch.IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pager' }) };
      new EddyStreams(stack, 'Eddy', { alarmAction: action });
      for (const a of Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))) {
        expect(a.Properties.AlarmActions).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:pager']);
      }
      const bare = build({});
      for (const a of Object.values(Template.fromStack(bare.stack).findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmActions).toBeUndefined();
    },
    SYNTH_TIMEOUT,
  );

  it(
    'EddyStack alarmEmail subscribes the address to a TLS-only topic wired to every alarm',
    () => {
      const stack = new EddyStack(testApp(false), 'EmailTest', { alarmEmail: 'ops@example.com' });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      const topicId = stack.getLogicalId(stack.alarmTopic!.node.defaultChild as sns.CfnTopic);
      for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(() => new EddyStack(testApp(false), 'BadEmail', { alarmEmail: 'not-an-address' })).toThrow(/alarmEmail must be an email address, got "not-an-address"/);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'the API stage is throttled, functions traced, maintenance has a dead-letter queue and no retries, reservations as given',
    () => {
      const { stack, eddy } = build({ apiThrottle: { rateLimit: 50, burstLimit: 100 }, reservedConcurrency: { maintenance: 1 } });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
      const fnProps = (kind: FunctionKind) => template.toJSON().Resources[stack.getLogicalId((eddy.functions[kind] as lambda.Function).node.defaultChild as lambda.CfnFunction)].Properties;
      for (const kind of KINDS) {
        expect(fnProps(kind).TracingConfig).toEqual({ Mode: 'Active' });
        expect(fnProps(kind).ReservedConcurrentExecutions).toBe(kind === 'maintenance' ? 1 : undefined);
      }
      const dlqId = stack.getLogicalId(eddy.maintenanceDeadLetterQueue.node.defaultChild as lambda.CfnFunction);
      expect(fnProps('maintenance').DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
      const rule = Object.values(template.findResources('AWS::Events::Rule'))[0]!;
      expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
      const defaults = Template.fromStack(build({}).stack);
      defaults.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 } });
      expect(() => build({ reservedConcurrency: { maintenance: 0 } })).toThrow(/reservedConcurrency.maintenance must be a positive integer, got 0/);
      expect(() => build({ apiThrottle: { rateLimit: -1, burstLimit: 10 } })).toThrow(/apiThrottle needs a positive rateLimit/);
    },
    SYNTH_TIMEOUT,
  );
});
