/**
 * Triggers: `EddyStreams.addEventSource(fn, { topic, groupId, … })` attaches
 * a function to a topic the way `aws-lambda-event-sources`' `KinesisEventSource`
 * does, with Kinesis' defaults (docs/triggers.md).
 *
 * The first trigger of a stack adds, once: a stream on the log table
 * (`NEW_IMAGE`), the `eddy-dispatcher` function, one event source mapping
 * from the stream to the dispatcher whose filter lets through only new index
 * entries (`INSERT`) of topics with triggers, and a one-minute EventBridge
 * schedule (the sweep). Every trigger adds its function to the dispatcher's
 * `lambda:InvokeFunction` grant, its destination to its send grant, its topic
 * to the filter, and a lag alarm. A stack without triggers has none of this.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISPATCHER_TRIGGERS_ENV, SWEEP_EVENT, TRIGGER_METRICS, type DispatcherDestination, type DispatcherTrigger } from '@eddy/api';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnsDestination, SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SnsDlq, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, mallocEnvFor } from '../../core/config.js';

/** Where a trigger starts in a partition its group has no offset for. */
export type EddyStartingPosition = 'latest' | 'earliest' | { readonly timestamp: number };

/**
 * Where a batch goes after `retryAttempts` failed: an SQS queue or SNS topic,
 * given as `aws-lambda-destinations`' `SqsDestination`/`SnsDestination`,
 * `aws-lambda-event-sources`' `SqsDlq`/`SnsDlq`, or the queue or topic itself.
 */
export type EddyFailureDestination = SqsDestination | SnsDestination | SqsDlq | SnsDlq | sqs.IQueue | sns.ITopic;

/** Options of {@link EddyStreams.addEventSource}: `KinesisEventSourceProps`' names and defaults. */
export interface EddyEventSourceProps {
  /** The topic to consume. It need not exist at deploy time: the trigger starts when it does. */
  readonly topic: string;
  /** The trigger's consumer group (its progress and lag); one trigger per group. */
  readonly groupId: string;
  /**
   * Where to start in a partition the group has no offset for: `'latest'`,
   * `'earliest'` or `{ timestamp }` (epoch ms). Read from the log, so it
   * works for records of any age.
   * @default 'latest'
   */
  readonly startingPosition?: EddyStartingPosition;
  /** Most records per invocation, 1–10000. @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before invoking with fewer than `batchSize`, up to 5 minutes. @default Duration.seconds(0) */
  readonly maxBatchingWindow?: Duration;
  /** Failed attempts after the first before a batch goes to `onFailure`; -1 (the default, as in Kinesis) retries forever. -1–10000. @default -1 */
  readonly retryAttempts?: number;
  /** Split a failing batch in two before retrying it. @default false */
  readonly bisectBatchOnError?: boolean;
  /** Honour `{ batchItemFailures }` in the handler's answer; without it the answer is ignored. @default false */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Where exhausted batches go (with their coordinates; they are then
   * skipped). Without it an exhausted batch blocks its partition, as in
   * Kinesis, and the lag alarm says so.
   * @default - none
   */
  readonly onFailure?: EddyFailureDestination;
  /**
   * How long one invocation of `fn` may take. Needed only for an imported
   * function (a `lambda.Function` tells its own timeout); at most 14 minutes.
   * @default - the function's timeout, else 5 minutes
   */
  readonly handlerTimeout?: Duration;
  /**
   * The lag alarm fires when the oldest undelivered record is this old
   * (`Eddy/Triggers OldestUndeliveredAgeMs`, maximum over 5 minutes).
   * @default Duration.minutes(5)
   */
  readonly lagAlarmThreshold?: Duration;
}

/** One attached trigger. */
export interface EddyEventSource {
  /** `<topic>/<groupId>`: the `Trigger` dimension of the lag metrics. */
  readonly triggerId: string;
  /** Age of the oldest undelivered record (ms), published by the dispatcher. @default maximum over 5 minutes */
  metricOldestUndeliveredAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Records not yet delivered over the topic's partitions. @default maximum over 5 minutes */
  metricLagRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** The lag alarm (wired to the construct's `alarmAction`). */
  readonly lagAlarm: cloudwatch.Alarm;
}

/** What `EddyStreams` hands the triggers: its storage, settings and alarm list. */
export interface TriggerHost {
  readonly logTable: dynamodb.Table;
  readonly topicsTable: dynamodb.ITable;
  readonly groupsTable: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  readonly objectPrefixes: readonly string[];
  /** The environment every Eddy function gets (table names, bucket, log level…). */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionName: string;
  readonly architecture: lambda.Architecture;
  readonly tracing: lambda.Tracing;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly bundling: BundlingOptions;
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** The construct's alarm list: trigger alarms join it. */
  readonly alarms: cloudwatch.Alarm[];
}

/** Timeout of the dispatcher: Lambda's maximum, so a handler may take up to 14 minutes. */
export const DISPATCHER_TIMEOUT = Duration.minutes(15);
/** Memory of the dispatcher (it mostly waits for handlers; arm64). */
export const DISPATCHER_MEMORY_MB = 512;
/** How often the sweep runs. */
export const SWEEP_INTERVAL = Duration.minutes(1);
const MAX_HANDLER_TIMEOUT = Duration.minutes(14);

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fail(message: string): never {
  throw new Error(`EddyStreams.addEventSource: ${message}`);
}

/** The queue or topic behind a failure destination, by class: the destination classes keep it in a field. */
function destinationOf(d: EddyFailureDestination): { queue: sqs.IQueue } | { topic: sns.ITopic } {
  if (d instanceof SqsDestination || d instanceof SqsDlq) return { queue: (d as unknown as { queue: sqs.IQueue }).queue };
  if (d instanceof SnsDestination || d instanceof SnsDlq) return { topic: (d as unknown as { topic: sns.ITopic }).topic };
  if ('queueArn' in d) return { queue: d };
  if ('topicArn' in d) return { topic: d };
  return fail('onFailure must be an SqsDestination, SnsDestination, SqsDlq, SnsDlq, an SQS queue or an SNS topic');
}

/** Lambda's limit on one event filter pattern, characters. */
const FILTER_PATTERN_MAX = 4096;
/** Lambda's limit on a function's environment variables, all together, bytes. */
const ENVIRONMENT_MAX_BYTES = 4096;

/** The triggers of one `EddyStreams`: the shared dispatcher, its wake-ups and sweep, and one entry per trigger. */
export class EddyTriggers extends Construct {
  /** The dispatcher function. */
  public readonly dispatcher: NodejsFunction;
  /** The mapping from the log table's stream to the dispatcher. */
  public readonly wakeups: lambda.CfnEventSourceMapping;
  /** The one-minute sweep. */
  public readonly sweep: events.Rule;

  private readonly triggers: DispatcherTrigger[] = [];
  private readonly invokable: string[] = [];
  private readonly host: TriggerHost;

  constructor(scope: Construct, id: string, host: TriggerHost) {
    super(scope, id);
    this.host = host;

    const cfnLog = host.logTable.node.defaultChild as dynamodb.CfnTable;
    // The keys and the topic name (`n`) of new entries: all the dispatcher and the filter need.
    cfnLog.streamSpecification = { streamViewType: 'NEW_IMAGE' };
    const streamArn = cfnLog.attrStreamArn;

    const logGroup = new logs.LogGroup(this, 'DispatcherLogs', { retention: host.logRetention, removalPolicy: host.removalPolicy });
    const role = new iam.Role(this, 'DispatcherRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Eddy trigger dispatcher' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.dispatcher = new NodejsFunction(this, 'DispatcherFunction', {
      role,
      functionName: host.functionName,
      description: 'Eddy trigger dispatcher: delivers topics to the functions attached with addEventSource',
      entry: path.join(REPO_ROOT, 'lambdas', 'dispatcher.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: host.architecture,
      memorySize: DISPATCHER_MEMORY_MB,
      timeout: DISPATCHER_TIMEOUT,
      tracing: host.tracing,
      logGroup,
      bundling: host.bundling,
      environment: {
        ...host.environment,
        // glibc malloc tuning, as on the other Eddy functions of its size (core/config.ts).
        ...mallocEnvFor(DISPATCHER_MEMORY_MB),
        [DISPATCHER_TRIGGERS_ENV]: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.triggers) }),
      },
    });

    const allow = (actions: string[], resources: string[]): void => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    };
    // Eddy's API in process: read topics, the index and chunks; commit offsets; hold partition leases.
    allow(['dynamodb:GetItem'], [host.topicsTable.tableArn]);
    allow(['dynamodb:Query'], [host.logTable.tableArn]);
    if (host.environment[ENV.appendProtocol] === 'reserve') {
      // Under the reserve protocol a reader abandons a hole a dead writer left with one conditional put of a
      // marker (docs/design.md §4), as the fetch function does; without it a topic read only by triggers would
      // stop at such a hole for good.
      allow(['dynamodb:PutItem'], [host.logTable.tableArn]);
    }
    // Only its triggers' groups (the groups table's partition key is the group id): never another consumer group's offsets.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [host.groupsTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': Lazy.list({ produce: () => [...new Set(this.triggers.map((t) => t.groupId))].sort() }) } },
      }),
    );
    allow(['s3:GetObject'], host.objectPrefixes.map((p) => host.bucket.arnForObjects(`${p}*`)));
    // The event source mapping reads the stream with the function's role.
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], [streamArn]);
    allow(['dynamodb:ListStreams'], ['*']);
    // Exactly the attached functions.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Lazy.list({ produce: () => this.invokable }) }),
    );

    this.wakeups = new lambda.CfnEventSourceMapping(this, 'Wakeups', {
      functionName: this.dispatcher.functionName,
      eventSourceArn: streamArn,
      // Records never travel through the stream: it only says "partition P of topic T grew".
      startingPosition: 'LATEST',
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      parallelizationFactor: 1,
      // A failed dispatch is the sweep's to redo; it must not hold the shard.
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: false,
      filterCriteria: { filters: [{ pattern: Lazy.string({ produce: () => this.filterPattern() }) }] },
    });
    this.wakeups.node.addDependency(role);
    this.node.addValidation({ validate: () => this.limits() });

    this.sweep = new events.Rule(this, 'Sweep', {
      description: 'Eddy triggers: re-drives partitions that lag (retries after backoff, lost wake-ups) and publishes the lag metrics',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      targets: [new targets.LambdaFunction(this.dispatcher, { event: events.RuleTargetInput.fromObject(SWEEP_EVENT), retryAttempts: 0 })],
    });

    const ack = (rule: string, reason: string): void => Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    ack('IAM5[Resource::*]', 'dynamodb:ListStreams supports no resource-level permissions (the event source mapping needs it); X-Ray tracing likewise.');
    for (const p of host.objectPrefixes) {
      const stack = Stack.of(this);
      ack(`IAM5[Resource::<${stack.resolve(stack.getLogicalId(host.bucket.node.defaultChild as s3.CfnBucket)) as string}.Arn>/${p}*]`, `Reads objects under Eddy's own ${p} prefix, whose keys are unique ids.`);
    }
    Validations.of(this.dispatcher).acknowledge({ id: 'AwsSolutions::AwsSolutions-L1', reason: 'Node.js 22 on purpose, as every Eddy function (see EddyStreams).' });
  }

  /**
   * Lambda's limits the trigger list must fit, checked at synth rather than
   * at deploy: the filter pattern (4,096 characters) and the dispatcher's
   * environment (4 KB for every variable; each function ARN counted at its
   * longest, 140 characters, since it is unresolved here).
   */
  private limits(): string[] {
    const problems: string[] = [];
    const filter = this.filterPattern();
    if (filter.length > FILTER_PATTERN_MAX) problems.push(`the triggers' stream filter is ${filter.length} characters, over Lambda's ${FILTER_PATTERN_MAX}: fewer topics with triggers per EddyStreams, or shorter topic names`);
    const stack = Stack.of(this);
    const env = this.dispatcher.node.defaultChild as lambda.CfnFunction;
    const vars = (stack.resolve(env.environment) as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
    let bytes = 0;
    for (const [name, value] of Object.entries(vars)) {
      bytes += name.length + (name === DISPATCHER_TRIGGERS_ENV ? 0 : typeof value === 'string' ? value.length : 64);
    }
    bytes += JSON.stringify(this.triggers.map((t) => ({ ...t, functionArn: 'x'.repeat(140) }))).length;
    if (bytes > ENVIRONMENT_MAX_BYTES) problems.push(`the dispatcher's environment would be about ${bytes} bytes with ${this.triggers.length} triggers, over Lambda's ${ENVIRONMENT_MAX_BYTES}: split the triggers over more than one EddyStreams`);
    return problems;
  }

  /** One filter: new index entries whose topic name is one with a trigger. */
  private filterPattern(): string {
    const topics = [...new Set(this.triggers.map((t) => t.topic))].sort();
    return JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { n: { S: topics } } } });
  }

  /** Attaches `fn` to a topic (see {@link EddyEventSourceProps}). */
  add(fn: lambda.IFunction, props: EddyEventSourceProps): EddyEventSource {
    const { topic, groupId } = props;
    if (!TOPIC_NAME.test(topic ?? '') || topic === '.' || topic === '..') fail(`topic must be a valid topic name, got ${JSON.stringify(topic)}`);
    if (typeof groupId !== 'string' || !/^[^*?/\s]{1,255}$/.test(groupId)) fail(`groupId must be 1-255 characters without *, ?, / or spaces, got ${JSON.stringify(groupId)}`);
    if (this.triggers.some((t) => t.groupId === groupId)) fail(`groupId ${JSON.stringify(groupId)} is already used by another trigger: each trigger needs its own group`);

    const start = props.startingPosition ?? 'latest';
    if (typeof start === 'object' ? !(Number.isInteger(start.timestamp) && start.timestamp >= 0) : start !== 'latest' && start !== 'earliest') {
      fail(`startingPosition must be 'latest', 'earliest' or { timestamp } (epoch ms), got ${JSON.stringify(start)}`);
    }
    const int = (name: string, v: number, min: number, max: number): number => {
      if (Token.isUnresolved(v) || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}, got ${v}`);
      return v;
    };
    const batchSize = int('batchSize', props.batchSize ?? 100, 1, 10_000);
    const retryAttempts = int('retryAttempts', props.retryAttempts ?? -1, -1, 10_000);
    const window = props.maxBatchingWindow ?? Duration.seconds(0);
    if (window.isUnresolved() || window.toMilliseconds() > 300_000) fail(`maxBatchingWindow must be a literal duration of at most 5 minutes, got ${window.toHumanString()}`);
    const handlerTimeout = props.handlerTimeout ?? (fn instanceof lambda.Function ? (fn.timeout ?? Duration.seconds(3)) : Duration.minutes(5));
    if (handlerTimeout.isUnresolved() || handlerTimeout.toMilliseconds() > MAX_HANDLER_TIMEOUT.toMilliseconds()) {
      fail(`the handler's timeout must be at most ${MAX_HANDLER_TIMEOUT.toHumanString()} (the dispatcher waits for it within its own 15), got ${handlerTimeout.toHumanString()}`);
    }
    if (window.toMilliseconds() + handlerTimeout.toMilliseconds() > MAX_HANDLER_TIMEOUT.toMilliseconds()) {
      fail(
        `maxBatchingWindow + the handler's timeout must be at most ${MAX_HANDLER_TIMEOUT.toHumanString()} (a batch waits for the window, then for the handler, within the dispatcher's 15), got ${window.toHumanString()} + ${handlerTimeout.toHumanString()}`,
      );
    }
    const threshold = props.lagAlarmThreshold ?? Duration.minutes(5);
    if (threshold.isUnresolved() || threshold.toMilliseconds() <= 0) fail('lagAlarmThreshold must be a positive literal duration');

    let onFailure: DispatcherDestination | undefined;
    if (props.onFailure !== undefined) {
      const d = destinationOf(props.onFailure);
      if ('queue' in d) {
        onFailure = { type: 'sqs', target: d.queue.queueUrl };
        this.allow(['sqs:SendMessage'], [d.queue.queueArn]);
        if (d.queue.encryptionMasterKey) this.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [d.queue.encryptionMasterKey.keyArn]);
      } else {
        onFailure = { type: 'sns', target: d.topic.topicArn };
        this.allow(['sns:Publish'], [d.topic.topicArn]);
        if (d.topic.masterKey) this.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [d.topic.masterKey.keyArn]);
      }
    }

    const triggerId = `${topic}/${groupId}`;
    this.triggers.push({
      id: triggerId,
      topic,
      groupId,
      functionArn: fn.functionArn,
      handlerTimeoutMs: handlerTimeout.toMilliseconds(),
      startingPosition: start,
      batchSize,
      maxBatchingWindowMs: window.toMilliseconds(),
      retryAttempts,
      bisectBatchOnError: props.bisectBatchOnError ?? false,
      reportBatchItemFailures: props.reportBatchItemFailures ?? false,
      ...(onFailure ? { onFailure } : {}),
    });
    if (!this.invokable.includes(fn.functionArn)) this.invokable.push(fn.functionArn);

    const metric = (name: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: TRIGGER_METRICS.namespace,
        metricName: name,
        dimensionsMap: { [TRIGGER_METRICS.dimension]: triggerId },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
        ...props,
      });
    const index = this.triggers.length;
    const lagAlarm = new cloudwatch.Alarm(this, `LagAlarm${index}`, {
      metric: metric(TRIGGER_METRICS.oldestAgeMs),
      threshold: threshold.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Trigger ${triggerId}: a record has waited ${threshold.toHumanString()} or more (a failing batch blocks its partition, or the handler falls behind)`,
    });
    if (this.host.alarmAction) lagAlarm.addAlarmAction(this.host.alarmAction);
    this.host.alarms.push(lagAlarm);

    return {
      triggerId,
      lagAlarm,
      metricOldestUndeliveredAge: (p) => metric(TRIGGER_METRICS.oldestAgeMs, p),
      metricLagRecords: (p) => metric(TRIGGER_METRICS.lagRecords, p),
    };
  }

  private allow(actions: string[], resources: string[]): void {
    this.dispatcher.role!.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  }
}
