/**
 * `EddyStreams`: the whole of Eddy in one construct — the record bucket, the
 * three DynamoDB tables, one Lambda function per API family, the
 * IAM-authorized HTTP API, the maintenance schedule, alarms and a dashboard.
 *
 * Shaped like aws-cdk-lib's own L2s (`aws-kinesis/lib/stream.ts`): readonly,
 * documented props validated in the constructor, `grantXxx(grantee)` and
 * `metricXxx()` methods.
 *
 * Table, bucket-prefix and function names come from `core/schema.ts`, and
 * environment variable names from `core/config.ts`, so the stack and the
 * handlers cannot drift.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { DEFAULTS, ENV, mallocEnvFor } from '../../core/config.js';
import { COUNTER_PK_PREFIX } from '../../core/layout.js';
import { FUNCTION_NAMES, OBJECT_PREFIXES, TABLES, type FunctionKind, type TableDefinition } from '../../core/schema.js';
import { API_ROUTES, INVOKE_ACCESS, iamPaths, routeGranted, type Access } from './routes.js';
import { EddyKafkaGateway, type EddyKafkaGatewayProps } from './kafka-gateway.js';
import { TRIGGER_FUNCTION_NAMES } from '@eddy/api';
import { EddyTriggers, type EddyEventSource, type EddyEventSourceProps } from './event-source.js';

/** Log levels the handlers accept in `EDDY_LOG_LEVEL`. */
export type EddyLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Which of Eddy's DynamoDB tables (the `settingsKey` of its `core/schema.ts` definition). */
export type EddyTableKey = TableDefinition['settingsKey'];

/** Properties of {@link EddyStreams}. */
export interface EddyStreamsProps {
  /**
   * What happens to the bucket, the tables and the log groups when they leave
   * the stack (stack deletion or removal from the app). With `RETAIN` the
   * tables also get DynamoDB deletion protection. Only `RETAIN` and `DESTROY`
   * are accepted. A `DESTROY`ed bucket must be empty for CloudFormation to
   * delete it: Eddy adds no auto-delete custom resource.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Memory of every function, in MiB (128–10240). Lambda allots CPU in
   * proportion, which is what the CRC and JSON work of produce/fetch needs.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Instruction set of every function. The bundles are plain JavaScript, so
   * either works; arm64 costs about 20% less per GB-second.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * How often the maintenance function runs one pass (retention, compaction,
   * garbage collection). Whole minutes, 1 minute to 1 day. Each pass costs an
   * invocation and a walk over every topic's index, even when idle; retention
   * and GC act at most this late.
   *
   * @default Duration.minutes(5)
   */
  readonly maintenanceInterval?: Duration;

  /**
   * How old an object no index entry references must be before garbage
   * collection deletes it (`EDDY_GC_GRACE_MS`). Must exceed the longest
   * function timeout, so a read that saw an old index entry can still fetch
   * the bytes.
   *
   * @default Duration.millis(DEFAULTS.gcGraceMs) — 15 minutes
   */
  readonly gcGrace?: Duration;

  /**
   * Target size of the segment objects compaction writes, in bytes
   * (`EDDY_COMPACTION_TARGET_BYTES`); 1 MiB to 5 GiB (S3's single-PUT limit).
   *
   * @default DEFAULTS.compactionTargetBytes — 8 MiB
   */
  readonly compactionTargetBytes?: number;

  /**
   * The heartbeat interval consumer-group answers ask members for
   * (`EDDY_HEARTBEAT_INTERVAL_MS`), at most a third of a member's session
   * timeout; 100 ms to 60 s. Every heartbeat writes the group's state, so a
   * shorter interval speeds rebalances and costs DynamoDB writes.
   *
   * @default Duration.millis(DEFAULTS.heartbeatIntervalMs) — 5 seconds
   */
  readonly heartbeatInterval?: Duration;

  /**
   * The interval asked of a member waiting for partitions another member is
   * releasing (`EDDY_HANDOVER_HEARTBEAT_INTERVAL_MS`), so it takes them soon
   * after their release; 100 ms to 60 s.
   *
   * @default Duration.millis(DEFAULTS.handoverHeartbeatIntervalMs) — 500 ms
   */
  readonly handoverHeartbeatInterval?: Duration;

  /**
   * The append protocol of every function and of the Kafka gateway
   * (`EDDY_APPEND_PROTOCOL`; docs/design.md §3, §3.1). `head`: offsets dense,
   * appenders of one partition race for its next key (fine for a few
   * producers per partition). `reserve`: offsets from a per-partition counter,
   * one update per append, for many concurrent producers per partition;
   * offsets are dense except where an append was abandoned (its writer died
   * or failed after reserving them), which consumers skip. Every process
   * writing to the stack's tables must run the same protocol at any one
   * time, so switch it only while nothing produces. Either switch is then
   * safe, also `reserve` → `head` → `reserve`: a partition written under
   * `head` is taken over by `reserve` at its next append, and a counter left
   * behind by an earlier `reserve` period is raised past the head by each
   * process before its first reservation in the partition (docs/design.md
   * §3.1, step 6).
   *
   * @default 'head'
   */
  readonly appendProtocol?: 'head' | 'reserve';

  /**
   * Handler log level (`EDDY_LOG_LEVEL`).
   *
   * @default 'info'
   */
  readonly logLevel?: EddyLogLevel;

  /**
   * How long function logs and API access logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Prefix of the function names: functions are named `<prefix>-produce`,
   * `<prefix>-fetch`, … . Set it to run two Eddy stacks in one account and
   * region (function names are unique per region). Letters, digits, `-` and
   * `_`, at most 52 characters.
   *
   * @default - the names in `FUNCTION_NAMES` (`eddy-produce`, `eddy-fetch`, …),
   * which the SDK's Lambda transport and the CLI use without configuration
   */
  readonly functionNamePrefix?: string;

  /**
   * Where every alarm sends its ALARM state change: an SNS topic (wrapped in
   * an `SnsAction`) or any `IAlarmAction`. `EddyStack` builds an email-subscribed
   * topic for it from `-c eddy:alarmEmail=…` (docs/deploy.md).
   *
   * @default - no action: the alarms only change state (add actions later through `alarms`)
   */
  readonly alarmAction?: cloudwatch.IAlarmAction | sns.ITopic;

  /**
   * Request rate (per second, steady) and burst of the API's default stage,
   * across all callers: a guard against a runaway client spending the
   * account's Lambda concurrency and DynamoDB capacity.
   *
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly apiThrottle?: EddyApiThrottle;

  /**
   * Reserved concurrency per function: a ceiling that keeps one function from
   * starving the others (and the rest of the account), and a floor it can
   * always get. Reserving needs headroom: accounts must keep 100 (new accounts
   * with a limit of 10: all 10) unreserved, so none is reserved by default.
   * `{ maintenance: 1 }` also keeps two passes from ever overlapping.
   *
   * @default - none reserved
   */
  readonly reservedConcurrency?: Partial<Readonly<Record<FunctionKind, number>>>;

  /**
   * X-Ray tracing of the functions.
   *
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;

  /**
   * The Kafka protocol gateway as an ECS Fargate service behind a Network
   * Load Balancer (`true` for its defaults, or its settings): Kafka clients
   * and AWS Lambda's self-managed Apache Kafka event source connect to it.
   * Off by default: its tasks and load balancer are billed every hour, used
   * or not (see docs/deploy.md and `cdk/lib/kafka-gateway.ts`).
   *
   * @default - no gateway
   */
  readonly kafkaGateway?: boolean | EddyKafkaGatewayProps;

  // A custom domain (apigatewayv2.DomainName + ACM certificate) is deliberately
  // not offered yet; callers use the execute-api endpoint.
}

/** Throttling of the HTTP API's default stage (see {@link EddyStreamsProps.apiThrottle}). */
export interface EddyApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

/** Options of {@link EddyStreams.grantProduce}, {@link EddyStreams.grantConsume} and {@link EddyStreams.grantAdmin}. */
export interface EddyGrantOptions {
  /**
   * Limit the grant to these topics. A scoped grant is HTTPS-only: it grants
   * no `lambda:InvokeFunction`, because a direct invoke cannot be limited to a
   * topic.
   *
   * @default - every topic, and direct invoke of the grant's functions.
   * Unscoped produce and admin grants describe topics through
   * `GET /v1/topics/{topic}/description` only: IAM's `*` matches across `/`,
   * so `GET /v1/topics/*` would also cover the record and offset routes.
   */
  readonly topics?: readonly string[];
  /**
   * Limit the grant to these consumer groups (HTTPS-only, as for `topics`).
   *
   * @default - every group
   */
  readonly groups?: readonly string[];
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** Group names may be anything the API accepts, minus what IAM or the path would read as syntax. */
const GROUP_NAME = /^[^*?/\s]{1,255}$/;

/** Timeout of the functions behind the HTTP API: under API Gateway's 30 s integration limit, above fetch's 20 s long poll. */
const API_FUNCTION_TIMEOUT = Duration.seconds(29);
/** Timeout of one maintenance pass. */
const MAINTENANCE_TIMEOUT = Duration.minutes(5);
/** The default stage's name; it serves the API at the endpoint's root. */
const STAGE = '$default';

const MIB = 1024 * 1024;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Entry file of a function's handler (`lambdas/<kind>.ts`, exporting `handler`). */
export function lambdaEntry(kind: FunctionKind): string {
  return path.join(REPO_ROOT, 'lambdas', `${kind}.ts`);
}

/**
 * Makes `require` available in the ESM bundle: some CommonJS dependencies
 * bundled into it still call `require('node:…')` at run time.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * How every function is bundled: locally with the installed esbuild (never
 * Docker), minified ESM, no source maps, the AWS SDK bundled in (so the
 * SDK version that runs is the one in package-lock.json and the tests, not
 * whatever the Lambda runtime ships, and tree-shaking keeps it small).
 */
export const BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: false,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  bundleAwsSDK: true,
};

const FUNCTION_DESCRIPTIONS: Readonly<Record<FunctionKind, string>> = {
  produce: 'Eddy produce: POST /v1/topics/{topic}/records',
  fetch: 'Eddy fetch: GET /v1/topics/{topic}/partitions/{p}/records and /offsets',
  groups: 'Eddy consumer groups: /v1/groups…',
  admin: 'Eddy admin: /v1/topics (create, list, describe, alter, delete), /health, /v1/openapi.json',
  maintenance: 'Eddy maintenance: retention, compaction, garbage collection (scheduled)',
};

const LOG_LEVELS: readonly EddyLogLevel[] = ['debug', 'info', 'warn', 'error'];

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function fail(message: string): never {
  throw new Error(`EddyStreams: ${message}`);
}

/**
 * Eddy: Kafka-style event streams on Lambda, S3 and DynamoDB, behind an
 * IAM-authorized HTTP API.
 *
 * @example
 * const eddy = new EddyStreams(this, 'Eddy', { removalPolicy: RemovalPolicy.DESTROY });
 * eddy.grantProduce(myIngestFunction);
 * eddy.grantConsume(myWorkerRole);
 * for (const alarm of eddy.alarms) alarm.addAlarmAction(new SnsAction(opsTopic));
 */
export class EddyStreams extends Construct {
  /** The bucket holding record batches (`ingest/`) and compacted segments (`segments/`). */
  public readonly bucket: s3.IBucket;
  /** The tables, keyed like `core/schema.ts` (`topicsTable`, `logTable`, `groupsTable`). */
  public readonly tables: Readonly<Record<EddyTableKey, dynamodb.ITable>>;
  /** One function per API family. */
  public readonly functions: Readonly<Record<FunctionKind, lambda.IFunction>>;
  /** The HTTP API; every route requires SigV4 (IAM) authorization. */
  public readonly httpApi: apigwv2.HttpApi;
  /** Base URL of the API, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  public readonly apiEndpoint: string;
  /** The alarms Eddy defines (errors, throttles, API 5xx, maintenance dead letters), all wired to `alarmAction`. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /**
   * Where a maintenance invocation that failed (or that EventBridge could not
   * deliver) ends up, for inspection; a pass is never retried, the next one
   * runs on schedule.
   */
  public readonly maintenanceDeadLetterQueue: sqs.IQueue;
  /** A one-screen dashboard of the API, functions and tables. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The Kafka gateway service, when `kafkaGateway` is on. */
  public readonly kafkaGateway?: EddyKafkaGateway;

  private readonly fns: Record<FunctionKind, NodejsFunction>;
  private readonly tableConstructs: Record<EddyTableKey, dynamodb.Table>;
  private readonly settings: ResolvedProps;
  private functionEnvironment: Record<string, string> = {};
  private triggers?: EddyTriggers;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - settings; every one is optional and validated here
   */
  constructor(scope: Construct, id: string, props: EddyStreamsProps = {}) {
    super(scope, id);
    const settings = resolveProps(props);
    this.settings = settings;

    const storage = this.createStorage(settings);
    this.bucket = storage.bucket;
    this.tableConstructs = storage.tables;
    this.tables = storage.tables;

    this.maintenanceDeadLetterQueue = this.createDeadLetterQueue(settings);
    this.fns = this.createFunctions(settings);
    this.functions = this.fns;
    this.grantFunctionAccess();

    this.httpApi = this.createApi(settings);
    this.apiEndpoint = this.httpApi.apiEndpoint;

    this.scheduleMaintenance(settings);

    this.alarms = this.createAlarms(settings);
    this.dashboard = this.createDashboard();

    if (props.kafkaGateway) {
      const { topicsTable, logTable, groupsTable } = storage.tables;
      const gatewayProps = props.kafkaGateway === true ? {} : props.kafkaGateway;
      const { logLevel, logRetention, removalPolicy } = settings;
      const environment = {
        [ENV.heartbeatIntervalMs]: String(settings.heartbeatInterval.toMilliseconds()),
        [ENV.handoverHeartbeatIntervalMs]: String(settings.handoverHeartbeatInterval.toMilliseconds()),
        // The gateway appends too: it must run the functions' protocol.
        [ENV.appendProtocol]: settings.appendProtocol,
      };
      this.kafkaGateway = new EddyKafkaGateway(this, 'KafkaGateway', gatewayProps, { bucket: this.bucket, topicsTable, logTable, groupsTable, logLevel, logRetention, removalPolicy, environment });
    }

    this.acknowledgeNagFindings();
  }

  /**
   * Lets `grantee` produce: `execute-api:Invoke` on the produce route, topic
   * describe through `GET /v1/topics/{topic}/description` (the partitioner
   * needs the partition count; the pattern cannot reach record reads),
   * `/health` and the OpenAPI document, and `lambda:InvokeFunction` on the
   * produce function.
   * @param grantee - a role, user or function of yours
   * @param options - limit to some topics (HTTPS only)
   */
  public grantProduce(grantee: iam.IGrantable, options: EddyGrantOptions = {}): iam.Grant {
    return this.grantAccess(grantee, 'produce', options);
  }

  /**
   * Lets `grantee` consume: fetch records and offsets, heartbeat, commit and
   * read a group's offsets, list and describe topics, over HTTPS; and invoke
   * the fetch and groups functions directly (a direct invoke reaches every
   * route of a function, group resets included).
   * @param grantee - a role, user or function of yours
   * @param options - limit to some topics and groups (HTTPS only)
   */
  public grantConsume(grantee: iam.IGrantable, options: EddyGrantOptions = {}): iam.Grant {
    return this.grantAccess(grantee, 'consume', options);
  }

  /**
   * Lets `grantee` administer: create, describe, alter and delete topics;
   * list, describe, reset and delete groups; invoke the admin, groups and
   * maintenance functions directly. It grants no produce route and no route
   * that reads records or offsets: unscoped, topics are described through
   * `GET /v1/topics/{topic}/description` (see {@link EddyGrantOptions.topics}).
   * @param grantee - a role, user or function of yours
   * @param options - limit to some topics and groups (HTTPS only)
   */
  public grantAdmin(grantee: iam.IGrantable, options: EddyGrantOptions = {}): iam.Grant {
    return this.grantAccess(grantee, 'admin', options);
  }

  /**
   * Attaches `fn` to a topic, as `fn.addEventSource(new KinesisEventSource(…))`
   * does for Kinesis: `fn` receives ordered batches (`EddyEvent`) of one
   * partition at a time, and the trigger's progress is the consumer group
   * `groupId`. The first trigger adds the dispatcher function, a stream on the
   * log table and a one-minute sweep (docs/triggers.md). `fn` needs no Eddy
   * permissions; the dispatcher gets `lambda:InvokeFunction` on it and send
   * rights on `onFailure` only.
   * @param fn - the handler function (yours)
   * @param props - topic, group and the Kinesis-style options
   * @returns the trigger, with its lag metrics and alarm
   */
  public addEventSource(fn: lambda.IFunction, props: EddyEventSourceProps): EddyEventSource {
    this.triggers ??= new EddyTriggers(this, 'Triggers', {
      logTable: this.tableConstructs.logTable,
      topicsTable: this.tableConstructs.topicsTable,
      groupsTable: this.tableConstructs.groupsTable,
      bucket: this.bucket,
      objectPrefixes: [OBJECT_PREFIXES.ingest, OBJECT_PREFIXES.segments],
      environment: this.functionEnvironment,
      functionName: this.settings.functionName('dispatcher'),
      architecture: this.settings.architecture,
      tracing: this.settings.tracing,
      logRetention: this.settings.logRetention,
      removalPolicy: this.settings.removalPolicy,
      bundling: BUNDLING,
      ...(this.settings.alarmAction ? { alarmAction: this.settings.alarmAction } : {}),
      alarms: this.alarms as cloudwatch.Alarm[],
    });
    return this.triggers.add(fn, props);
  }

  /** The trigger dispatcher, once {@link addEventSource} was called. */
  public get dispatcherFunction(): lambda.IFunction | undefined {
    return this.triggers?.dispatcher;
  }

  /**
   * Failed invocations of one function (uncaught errors and timeouts; request
   * errors the handler maps to a response are not failures).
   * @default - sum over 5 minutes
   */
  public metricFunctionErrors(kind: FunctionKind, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.fns[kind].metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5), ...props });
  }

  /**
   * Throttled invocations of one function.
   * @default - sum over 5 minutes
   */
  public metricFunctionThrottles(kind: FunctionKind, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.fns[kind].metricThrottles({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5), ...props });
  }

  /**
   * Throttled read plus write events of one table.
   * @default - sum over 5 minutes
   */
  public metricTableThrottles(table: EddyTableKey, props?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    const t = this.tableConstructs[table];
    const opts: cloudwatch.MetricOptions = { statistic: cloudwatch.Stats.SUM, period: props?.period ?? Duration.minutes(5) };
    return new cloudwatch.MathExpression({
      // Ids are unique per table so several of these can share one graph.
      expression: `FILL(${table}Read, 0) + FILL(${table}Write, 0)`,
      usingMetrics: { [`${table}Read`]: t.metric('ReadThrottleEvents', opts), [`${table}Write`]: t.metric('WriteThrottleEvents', opts) },
      label: `${table} throttle events`,
      ...props,
      period: opts.period,
    });
  }

  /**
   * 5xx responses of the HTTP API (503 `UNAVAILABLE`/`UNKNOWN_OUTCOME`, 500
   * `DATA_CORRUPT`/`INTERNAL`, and API Gateway's own failures).
   * @default - sum over 5 minutes
   */
  public metricApiServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.httpApi.metricServerError({ period: Duration.minutes(5), ...props });
  }

  /** The record bucket and the three tables. */
  private createStorage(settings: ResolvedProps): { bucket: s3.Bucket; tables: Record<EddyTableKey, dynamodb.Table> } {
    const { removalPolicy, retain } = settings;
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // No versioning: objects are immutable once written and deletion is
      // Eddy's own retention; versions would keep every deleted byte billed.
      versioned: false,
      // Retention, compaction and GC are Eddy's job; lifecycle is only a
      // backstop for uploads a crashed client left half done.
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
    });

    const tables = {} as Record<EddyTableKey, dynamodb.Table>;
    for (const def of TABLES) {
      tables[def.settingsKey] = new dynamodb.Table(this, pascal(def.settingsKey), {
        partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
        ...(def.sortKey ? { sortKey: { name: def.sortKey.name, type: attributeType(def.sortKey.type) } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: retain,
        removalPolicy,
      });
    }
    return { bucket, tables };
  }

  /** One bundled function per API family, each with its own log group; all share one environment. */
  private createFunctions(settings: ResolvedProps): Record<FunctionKind, NodejsFunction> {
    const { topicsTable, logTable, groupsTable } = this.tableConstructs;
    const environment: Record<string, string> = {
      [ENV.topicsTable]: topicsTable.tableName,
      [ENV.logTable]: logTable.tableName,
      [ENV.groupsTable]: groupsTable.tableName,
      [ENV.bucket]: this.bucket.bucketName,
      [ENV.logLevel]: settings.logLevel,
      [ENV.gcGraceMs]: String(settings.gcGrace.toMilliseconds()),
      [ENV.compactionTargetBytes]: String(settings.compactionTargetBytes),
      [ENV.heartbeatIntervalMs]: String(settings.heartbeatInterval.toMilliseconds()),
      [ENV.handoverHeartbeatIntervalMs]: String(settings.handoverHeartbeatInterval.toMilliseconds()),
      [ENV.appendProtocol]: settings.appendProtocol,
    };
    this.functionEnvironment = environment;

    const fns = {} as Record<FunctionKind, NodejsFunction>;
    for (const kind of Object.keys(FUNCTION_NAMES) as FunctionKind[]) {
      const logGroup = new logs.LogGroup(this, `${pascal(kind)}Logs`, { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
      // An own role instead of the default one with AWSLambdaBasicExecutionRole,
      // whose logs actions cover every log group in the account: Lambda writes
      // this function's logs to this log group only.
      const role = new iam.Role(this, `${pascal(kind)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Eddy ${kind} function`,
      });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
      const reserved = settings.reservedConcurrency[kind];
      fns[kind] = new NodejsFunction(this, `${pascal(kind)}Function`, {
        role,
        tracing: settings.tracing,
        ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
        ...(kind === 'maintenance'
          ? // A failed pass is not retried (the next one is minutes away); its event is kept for inspection.
            { deadLetterQueue: this.maintenanceDeadLetterQueue, retryAttempts: 0 }
          : {}),
        functionName: settings.functionName(kind),
        description: FUNCTION_DESCRIPTIONS[kind],
        entry: lambdaEntry(kind),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: settings.architecture,
        memorySize: settings.memorySize,
        timeout: kind === 'maintenance' ? MAINTENANCE_TIMEOUT : API_FUNCTION_TIMEOUT,
        // glibc malloc tuning: large buffers reused instead of mapped afresh per request, on functions of 512 MiB or more (core/config.ts).
        environment: { ...environment, ...mallocEnvFor(Token.isUnresolved(settings.memorySize) ? undefined : settings.memorySize) },
        logGroup,
        bundling: BUNDLING,
      });
    }
    return fns;
  }

  /** The IAM-authorized HTTP API: one route per `API_ROUTES` entry, a default stage with access logs. */
  private createApi(settings: ResolvedProps): apigwv2.HttpApi {
    const httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: 'Eddy HTTP API v1 (IAM-authorized)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
    new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: STAGE,
      autoDeploy: true,
      throttle: { rateLimit: settings.apiThrottle.rateLimit, burstLimit: settings.apiThrottle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            route: '$context.routeKey',
            status: '$context.status',
            caller: '$context.identity.userArn',
            ip: '$context.identity.sourceIp',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const integrations = {} as Record<string, HttpLambdaIntegration>;
    for (const route of API_ROUTES) {
      integrations[route.fn] ??= new HttpLambdaIntegration(`${pascal(route.fn)}Integration`, this.fns[route.fn], {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      });
      // IAM authorization comes from the API's default authorizer, which
      // also covers any route a user adds later.
      httpApi.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod[route.method]], integration: integrations[route.fn]! });
    }
    return httpApi;
  }

  /** The EventBridge rule that runs one maintenance pass per interval. */
  private scheduleMaintenance(settings: ResolvedProps): void {
    new events.Rule(this, 'MaintenanceSchedule', {
      description: `Runs one Eddy maintenance pass every ${settings.maintenanceInterval.toHumanString()}`,
      schedule: events.Schedule.rate(settings.maintenanceInterval),
      // The documented direct-invoke payload for one pass (docs/api.md).
      targets: [
        new targets.LambdaFunction(this.fns.maintenance, {
          event: events.RuleTargetInput.fromObject({ maintenance: {} }),
          retryAttempts: 0,
          // Events EventBridge could not deliver (throttled, function missing).
          deadLetterQueue: this.maintenanceDeadLetterQueue,
        }),
      ],
    });
  }

  /** The dead-letter queue of the scheduled maintenance invoke. */
  private createDeadLetterQueue(settings: ResolvedProps): sqs.Queue {
    return new sqs.Queue(this, 'MaintenanceDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: settings.removalPolicy,
    });
  }

  /** Errors and throttles per function, throttles per table, API 5xx, maintenance dead letters; each wired to `alarmAction`. */
  private createAlarms(settings: ResolvedProps): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string): void => {
      alarms.push(
        new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };
    for (const kind of Object.keys(this.fns) as FunctionKind[]) {
      alarm(
        `${pascal(kind)}ErrorsAlarm`,
        this.metricFunctionErrors(kind),
        1,
        `${this.fns[kind].node.id}: invocations failed (crash or timeout; handled request errors are not counted)`,
      );
      alarm(`${pascal(kind)}ThrottlesAlarm`, this.metricFunctionThrottles(kind), 1, `${this.fns[kind].node.id}: invocations throttled (concurrency limit)`);
    }
    for (const key of Object.keys(this.tableConstructs) as EddyTableKey[]) {
      alarm(`${pascal(key)}ThrottlesAlarm`, this.metricTableThrottles(key), 1, `${key}: DynamoDB read or write requests throttled`);
    }
    alarm('ApiServerErrorsAlarm', this.metricApiServerErrors(), 5, 'HTTP API: 5 or more 5xx responses in 5 minutes');
    alarm(
      'MaintenanceDeadLettersAlarm',
      this.maintenanceDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5) }),
      1,
      'Maintenance: a failed or undeliverable pass is waiting in the dead-letter queue',
    );
    if (settings.alarmAction) for (const a of alarms) a.addAlarmAction(settings.alarmAction);
    return alarms;
  }

  /**
   * The cdk-nag AwsSolutions findings Eddy keeps on purpose, each with its
   * reason (test/cdk/nag.test.ts runs the pack; anything else it finds fails).
   * Plain `Validations` acknowledgments: the construct does not depend on cdk-nag.
   */
  private acknowledgeNagFindings(): void {
    const ack = (scope: Construct, rule: string, reason: string): void => {
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    };
    ack(
      this.bucket,
      'S1',
      'No S3 server access logs: every request to the bucket is made by Eddy\'s own functions, whose callers the API access log ' +
        'records with their IAM identity; a second bucket of per-request logs would add cost and nothing an audit needs ' +
        '(CloudTrail data events are the option for that).',
    );
    const bucketArn = `<${Stack.of(this).resolve(Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement)) as string}.Arn>`;
    for (const fn of Object.values(this.fns)) {
      ack(
        fn,
        'L1',
        'Node.js 22 on purpose: the deploy check (test/deploy) runs the bundles on the pinned Node 22 from npm before they ship; ' +
          'moving to a newer runtime moves both together.',
      );
      ack(fn.role!, 'IAM5[Resource::*]', 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.');
      for (const prefix of Object.values(OBJECT_PREFIXES)) {
        ack(
          fn.role!,
          `IAM5[Resource::${bucketArn}/${prefix}*]`,
          `Objects under Eddy's own ${prefix} key prefix: each object's key is generated when it is written (a unique id), ` +
            'so the prefix is the narrowest resource that can name them.',
        );
      }
    }
  }

  private grantAccess(grantee: iam.IGrantable, access: Access, options: EddyGrantOptions): iam.Grant {
    const check = (what: 'topics' | 'groups', pattern: RegExp): void => {
      const names = options[what];
      if (names === undefined) return;
      if (names.length === 0) fail(`${what} must name at least one ${what.slice(0, -1)}; omit it to grant all, got []`);
      const bad = names.find((n) => !pattern.test(n) || n === '.' || n === '..');
      if (bad !== undefined) fail(`${what} contains an invalid name ${JSON.stringify(bad)}`);
    };
    check('topics', TOPIC_NAME);
    check('groups', GROUP_NAME);

    const scoped = options.topics !== undefined;
    const routeArns = API_ROUTES.filter((r) => routeGranted(r, access, scoped)).flatMap((r) =>
      iamPaths(r.path, options).map((p) => this.httpApi.arnForExecuteApi(r.method, p, STAGE)),
    );
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: routeArns });
    if (options.topics !== undefined || options.groups !== undefined) return grant;
    const functionArns = INVOKE_ACCESS[access].map((kind) => this.fns[kind].functionArn);
    return grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: functionArns }));
  }

  /** Least privilege per function: explicit actions, no wildcards, no grant helpers that add more. */
  private grantFunctionAccess(): void {
    const { topicsTable, logTable, groupsTable } = this.tableConstructs;
    const objects = (prefix: string): string => this.bucket.arnForObjects(`${prefix}*`);
    const allow = (kind: FunctionKind, actions: string[], resources: string[]): void => {
      this.fns[kind].addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    };
    const allPrefixes = [objects(OBJECT_PREFIXES.ingest), objects(OBJECT_PREFIXES.segments)];

    // produce: read the topic, append index entries, PUT the ingest object.
    allow('produce', ['dynamodb:GetItem'], [topicsTable.tableArn]);
    allow('produce', ['dynamodb:Query', 'dynamodb:PutItem'], [logTable.tableArn]);
    allow('produce', ['s3:PutObject'], [objects(OBJECT_PREFIXES.ingest)]);
    if (this.settings.appendProtocol === 'reserve') {
      // The reserve protocol (docs/design.md §3.1): reserve, create and raise
      // a partition's offset counter — items of the topics table whose key
      // starts with `n#` (core/layout.ts), never a topic item.
      this.fns.produce.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem'],
          resources: [topicsTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${COUNTER_PK_PREFIX}*`] } },
        }),
      );
      // A reader abandons a hole a dead writer left with one conditional put of a marker.
      allow('fetch', ['dynamodb:PutItem'], [logTable.tableArn]);
    }

    // fetch: read-only.
    allow('fetch', ['dynamodb:GetItem'], [topicsTable.tableArn]);
    allow('fetch', ['dynamodb:Query'], [logTable.tableArn]);
    allow('fetch', ['s3:GetObject'], allPrefixes);

    // groups: owns the groups table; reads topics and high-water marks for lag,
    // and chunks to find the first offset at a timestamp (offsets reset `{to:{timestamp}}`).
    allow('groups', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'], [groupsTable.tableArn]);
    allow('groups', ['dynamodb:GetItem'], [topicsTable.tableArn]);
    allow('groups', ['dynamodb:Query'], [logTable.tableArn]);
    allow('groups', ['s3:GetObject'], allPrefixes);

    // admin: owns topics; reads partition offsets; never touches record bytes.
    allow('admin', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'], [topicsTable.tableArn]);
    allow('admin', ['dynamodb:Query'], [logTable.tableArn]);

    // maintenance: retention, compaction (writes segments), GC (lists and deletes objects).
    allow('maintenance', ['dynamodb:Scan', 'dynamodb:DeleteItem'], [topicsTable.tableArn]);
    allow('maintenance', ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [logTable.tableArn]);
    allow('maintenance', ['s3:GetObject', 's3:DeleteObject'], allPrefixes);
    allow('maintenance', ['s3:PutObject'], [objects(OBJECT_PREFIXES.segments)]);
    // GC's two-phase deletion keeps its marks under gc/ (docs/maintenance.md).
    allow('maintenance', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [objects(OBJECT_PREFIXES.gc)]);
    allow('maintenance', ['s3:ListBucket'], [this.bucket.bucketArn]);
  }

  private createDashboard(): cloudwatch.Dashboard {
    const kinds = Object.keys(this.fns) as FunctionKind[];
    const perFunction = (f: (fn: NodejsFunction) => cloudwatch.IMetric): cloudwatch.IMetric[] => kinds.map((k) => f(this.fns[k]));
    const tableKeys = Object.keys(this.tableConstructs) as EddyTableKey[];
    const api = this.httpApi;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [api.metricCount({ statistic: cloudwatch.Stats.SUM }), api.metricClientError(), api.metricServerError()],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [api.metricLatency({ statistic: cloudwatch.Stats.p(50) }), api.metricLatency({ statistic: cloudwatch.Stats.p(99) })],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations',
        left: perFunction((fn) => fn.metricInvocations({ label: fn.node.id })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({ title: 'Errors', left: perFunction((fn) => fn.metricErrors({ label: fn.node.id })), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Throttles', left: perFunction((fn) => fn.metricThrottles({ label: fn.node.id })), width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Duration p99 (ms)',
        left: perFunction((fn) => fn.metricDuration({ statistic: cloudwatch.Stats.p(99), label: fn.node.id })),
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed read units',
        left: tableKeys.map((k) => this.tableConstructs[k].metricConsumedReadCapacityUnits({ label: k })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed write units',
        left: tableKeys.map((k) => this.tableConstructs[k].metricConsumedWriteCapacityUnits({ label: k })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttle events', left: tableKeys.map((k) => this.metricTableThrottles(k)), width: 8 }),
    );
    return dashboard;
  }
}

/** {@link EddyStreamsProps} with defaults applied, validated. */
interface ResolvedProps {
  readonly removalPolicy: RemovalPolicy;
  readonly retain: boolean;
  readonly memorySize: number;
  readonly architecture: lambda.Architecture;
  readonly maintenanceInterval: Duration;
  readonly gcGrace: Duration;
  readonly compactionTargetBytes: number;
  readonly heartbeatInterval: Duration;
  readonly handoverHeartbeatInterval: Duration;
  readonly logLevel: EddyLogLevel;
  readonly appendProtocol: 'head' | 'reserve';
  readonly logRetention: logs.RetentionDays;
  readonly functionName: (kind: FunctionKind | keyof typeof TRIGGER_FUNCTION_NAMES) => string;
  readonly alarmAction?: cloudwatch.IAlarmAction;
  readonly apiThrottle: EddyApiThrottle;
  readonly reservedConcurrency: Partial<Readonly<Record<FunctionKind, number>>>;
  readonly tracing: lambda.Tracing;
}

/** Applies defaults and validates every prop, failing with the bad value named. */
function resolveProps(props: EddyStreamsProps): ResolvedProps {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
    fail(`removalPolicy must be RETAIN or DESTROY, got ${JSON.stringify(removalPolicy)}`);
  }

  const memorySize = props.memorySize ?? 1024;
  if (!Token.isUnresolved(memorySize) && (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240)) {
    fail(`memorySize must be an integer from 128 to 10240 MiB, got ${memorySize}`);
  }

  const architecture = props.architecture ?? lambda.Architecture.ARM_64;
  if (architecture.name !== lambda.Architecture.ARM_64.name && architecture.name !== lambda.Architecture.X86_64.name) {
    fail(`architecture must be arm64 or x86_64, got ${JSON.stringify(architecture.name)}`);
  }

  const maintenanceInterval = props.maintenanceInterval ?? Duration.minutes(5);
  if (maintenanceInterval.isUnresolved()) fail('maintenanceInterval must be a literal duration');
  const intervalMs = maintenanceInterval.toMilliseconds();
  if (intervalMs % 60_000 !== 0 || intervalMs < 60_000 || intervalMs > 86_400_000) {
    fail(`maintenanceInterval must be whole minutes from 1 minute to 1 day, got ${maintenanceInterval.toHumanString()}`);
  }

  const gcGrace = props.gcGrace ?? Duration.millis(DEFAULTS.gcGraceMs);
  if (gcGrace.isUnresolved()) fail('gcGrace must be a literal duration');
  const longestTimeout = Math.max(API_FUNCTION_TIMEOUT.toMilliseconds(), MAINTENANCE_TIMEOUT.toMilliseconds());
  if (gcGrace.toMilliseconds() <= longestTimeout) {
    fail(
      `gcGrace must be longer than the longest function timeout (${MAINTENANCE_TIMEOUT.toHumanString()}), ` +
        `got ${gcGrace.toHumanString()}: garbage collection could delete bytes an in-flight read still needs`,
    );
  }

  const compactionTargetBytes = props.compactionTargetBytes ?? DEFAULTS.compactionTargetBytes;
  if (!Number.isSafeInteger(compactionTargetBytes) || compactionTargetBytes < MIB || compactionTargetBytes > 5 * 1024 * MIB) {
    fail(`compactionTargetBytes must be an integer from 1 MiB to 5 GiB, got ${compactionTargetBytes}`);
  }

  const interval = (name: string, value: Duration | undefined, fallbackMs: number): Duration => {
    const d = value ?? Duration.millis(fallbackMs);
    if (d.isUnresolved()) fail(`${name} must be a literal duration`);
    const ms = d.toMilliseconds();
    if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) fail(`${name} must be from 100 ms to 60 s, got ${d.toHumanString()}`);
    return d;
  };
  const heartbeatInterval = interval('heartbeatInterval', props.heartbeatInterval, DEFAULTS.heartbeatIntervalMs);
  const handoverHeartbeatInterval = interval('handoverHeartbeatInterval', props.handoverHeartbeatInterval, DEFAULTS.handoverHeartbeatIntervalMs);

  const logLevel = props.logLevel ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    fail(`logLevel must be one of ${LOG_LEVELS.join('|')}, got ${JSON.stringify(logLevel)}`);
  }

  const appendProtocol = props.appendProtocol ?? 'head';
  if (appendProtocol !== 'head' && appendProtocol !== 'reserve') fail(`appendProtocol must be head|reserve, got ${JSON.stringify(appendProtocol)}`);

  const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
  if (!Object.values(logs.RetentionDays).includes(logRetention)) {
    fail(`logRetention must be a logs.RetentionDays value, got ${JSON.stringify(logRetention)}`);
  }

  const prefix = props.functionNamePrefix;
  if (prefix !== undefined && !/^[A-Za-z0-9_-]{1,52}$/.test(prefix)) {
    fail(`functionNamePrefix must be 1-52 letters, digits, '-' or '_', got ${JSON.stringify(prefix)}`);
  }
  const functionName = (kind: FunctionKind | keyof typeof TRIGGER_FUNCTION_NAMES): string =>
    prefix !== undefined ? `${prefix}-${kind}` : kind === 'dispatcher' ? TRIGGER_FUNCTION_NAMES.dispatcher : FUNCTION_NAMES[kind];

  const apiThrottle = props.apiThrottle ?? { rateLimit: 1000, burstLimit: 2000 };
  if (!Number.isFinite(apiThrottle.rateLimit) || apiThrottle.rateLimit <= 0 || !Number.isInteger(apiThrottle.burstLimit) || apiThrottle.burstLimit <= 0) {
    fail(`apiThrottle needs a positive rateLimit and a positive integer burstLimit, got ${JSON.stringify(apiThrottle)}`);
  }

  const reservedConcurrency = props.reservedConcurrency ?? {};
  for (const [kind, n] of Object.entries(reservedConcurrency)) {
    if (!(kind in FUNCTION_NAMES)) fail(`reservedConcurrency names an unknown function ${JSON.stringify(kind)}`);
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) fail(`reservedConcurrency.${kind} must be a positive integer, got ${n}`);
  }

  const alarmAction = props.alarmAction === undefined ? undefined : isTopic(props.alarmAction) ? new SnsAction(props.alarmAction) : props.alarmAction;

  return {
    alarmAction,
    apiThrottle,
    reservedConcurrency,
    tracing: props.tracing ?? lambda.Tracing.ACTIVE,
    removalPolicy,
    retain: removalPolicy === RemovalPolicy.RETAIN,
    memorySize,
    architecture,
    maintenanceInterval,
    gcGrace,
    compactionTargetBytes,
    heartbeatInterval,
    handoverHeartbeatInterval,
    logLevel,
    appendProtocol,
    logRetention,
    functionName,
  };
}

function isTopic(x: cloudwatch.IAlarmAction | sns.ITopic): x is sns.ITopic {
  return 'topicArn' in x;
}

function attributeType(type: 'S' | 'N' | 'B'): dynamodb.AttributeType {
  switch (type) {
    case 'S':
      return dynamodb.AttributeType.STRING;
    case 'N':
      return dynamodb.AttributeType.NUMBER;
    case 'B':
      return dynamodb.AttributeType.BINARY;
  }
}

