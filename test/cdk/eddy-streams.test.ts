/**
 * The synthesized Eddy stack, checked property by property: storage security,
 * least-privilege function policies, IAM on every route, env names shared
 * with core/config.ts, schedule, alarms, grants and the bundle budget.
 *
 * One synthesis (with real esbuild bundling) per file, in beforeAll.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { ENV, MALLOC_ENV, MALLOC_ENV_NAMES } from '../../core/config.js';
import { FUNCTION_NAMES, TABLES, type FunctionKind } from '../../core/schema.js';
import { actionsOf, allStatements, removeTestApps, render, resourcesOf, testApp, type Statement } from './helpers.js';

// Bundling five functions with esbuild takes seconds alone and minutes on a busy CI machine running other suites.
const SYNTH_TIMEOUT = 300_000;

afterAll(removeTestApps);
const KINDS = Object.keys(FUNCTION_NAMES) as FunctionKind[];

/** Routes and their functions, transcribed from docs/design.md §8 and docs/api.md (not from cdk/lib/routes.ts). */
const EXPECTED_ROUTES: Readonly<Record<string, FunctionKind>> = {
  'GET /health': 'admin',
  'GET /v1/openapi.json': 'admin',
  'POST /v1/topics': 'admin',
  'GET /v1/topics': 'admin',
  'GET /v1/topics/{topic}': 'admin',
  'GET /v1/topics/{topic}/description': 'admin',
  'PATCH /v1/topics/{topic}': 'admin',
  'DELETE /v1/topics/{topic}': 'admin',
  'POST /v1/topics/{topic}/records': 'produce',
  'GET /v1/topics/{topic}/partitions/{p}/records': 'fetch',
  'GET /v1/topics/{topic}/partitions/{p}/offsets': 'fetch',
  'POST /v1/groups/{group}/heartbeat': 'groups',
  'POST /v1/groups/{group}/offsets': 'groups',
  'GET /v1/groups/{group}/offsets': 'groups',
  'GET /v1/groups': 'groups',
  'GET /v1/groups/{group}': 'groups',
  'DELETE /v1/groups/{group}': 'groups',
  'POST /v1/groups/{group}/offsets/reset': 'groups',
};

/** Resource → allowed actions, per function: the least-privilege table, exactly. */
const EXPECTED_PERMISSIONS: Readonly<Record<FunctionKind, Readonly<Record<string, readonly string[]>>>> = {
  produce: {
    topics: ['dynamodb:GetItem'],
    log: ['dynamodb:PutItem', 'dynamodb:Query'],
    'bucket/ingest/*': ['s3:PutObject'],
  },
  fetch: {
    topics: ['dynamodb:GetItem'],
    log: ['dynamodb:Query'],
    'bucket/ingest/*': ['s3:GetObject'],
    'bucket/segments/*': ['s3:GetObject'],
  },
  groups: {
    groups: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
    topics: ['dynamodb:GetItem'],
    log: ['dynamodb:Query'],
    // Offsets reset `{to:{timestamp}}` reads chunks to find the offset (issue 19 item 1).
    'bucket/ingest/*': ['s3:GetObject'],
    'bucket/segments/*': ['s3:GetObject'],
  },
  admin: {
    topics: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
    log: ['dynamodb:Query'],
  },
  maintenance: {
    topics: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
    log: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    'bucket/ingest/*': ['s3:DeleteObject', 's3:GetObject'],
    'bucket/segments/*': ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
    'bucket/gc/*': ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
    bucket: ['s3:ListBucket'],
  },
};

/** Routes each grant may call (IAM resource form: path parameters are `*`). */
const EXPECTED_GRANT_ROUTES = {
  // Unscoped describe goes through …/description: GET/v1/topics/* would also match record reads.
  produce: ['GET/health', 'GET/v1/openapi.json', 'GET/v1/topics/*/description', 'POST/v1/topics/*/records'],
  consume: [
    'GET/health',
    'GET/v1/openapi.json',
    'GET/v1/topics',
    'GET/v1/topics/*',
    'GET/v1/topics/*/description',
    'GET/v1/topics/*/partitions/*/records',
    'GET/v1/topics/*/partitions/*/offsets',
    'POST/v1/groups/*/heartbeat',
    'POST/v1/groups/*/offsets',
    'GET/v1/groups/*/offsets',
  ],
  admin: [
    'GET/health',
    'GET/v1/openapi.json',
    'POST/v1/topics',
    'GET/v1/topics',
    'GET/v1/topics/*/description',
    'PATCH/v1/topics/*',
    'DELETE/v1/topics/*',
    'GET/v1/groups',
    'GET/v1/groups/*',
    'DELETE/v1/groups/*',
    'GET/v1/groups/*/offsets',
    'POST/v1/groups/*/offsets/reset',
  ],
} as const;

const EXPECTED_GRANT_FUNCTIONS = {
  produce: ['produce'],
  consume: ['fetch', 'groups'],
  admin: ['admin', 'groups', 'maintenance'],
} as const;

type Grant = keyof typeof EXPECTED_GRANT_ROUTES;

let app: App;
let stack: EddyStack;
let template: Template;
/** Logical id → readable name (topics, log, groups, bucket, api, fn:<kind>). */
let names: Record<string, string>;
let fnIds: Record<FunctionKind, string>;
let granteeRoleIds: Record<Grant, string>;
let scopedRoleIds: { produce: string; consume: string };

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** Actions the Lambda service uses with a function's role (logs, traces, dead letters), not the handler. */
const PLATFORM_ACTIONS = /^(logs|xray|sqs):/;

/** Allow statements of every AWS::IAM::Policy attached to the role with this logical id. */
function roleStatements(roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
  return Object.values(policies).flatMap((p) => allStatements(p.Properties.PolicyDocument));
}

/** resource name → sorted actions, for one function's role. */
function permissionsOf(kind: FunctionKind): Record<string, string[]> {
  const fn = template.toJSON().Resources[fnIds[kind]];
  const roleId = (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;
  const out: Record<string, Set<string>> = {};
  for (const s of roleStatements(roleId)) {
    expect(s.Effect).toBe('Allow');
    if (actionsOf(s).every((a) => PLATFORM_ACTIONS.test(a))) continue;
    for (const r of resourcesOf(s)) {
      const key = render(r, names);
      for (const a of actionsOf(s)) (out[key] ??= new Set()).add(a);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, sorted(v)]));
}

beforeAll(() => {
  app = testApp(true);
  stack = new EddyStack(app, 'EddyTest');
  const grantees = {} as Record<Grant, iam.Role>;
  for (const g of ['produce', 'consume', 'admin'] as const) {
    grantees[g] = new iam.Role(stack, `${g}Grantee`, { assumedBy: new iam.AccountRootPrincipal() });
  }
  stack.eddy.grantProduce(grantees.produce);
  stack.eddy.grantConsume(grantees.consume);
  stack.eddy.grantAdmin(grantees.admin);
  const scopedProducer = new iam.Role(stack, 'scopedProducer', { assumedBy: new iam.AccountRootPrincipal() });
  const scopedConsumer = new iam.Role(stack, 'scopedConsumer', { assumedBy: new iam.AccountRootPrincipal() });
  stack.eddy.grantProduce(scopedProducer, { topics: ['orders'] });
  stack.eddy.grantConsume(scopedConsumer, { topics: ['orders', 'payments'], groups: ['billing'] });

  template = Template.fromStack(stack);

  const id = (c: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(c.node.defaultChild as never);
  names = {
    [id(stack.eddy.tables.topicsTable)]: 'topics',
    [id(stack.eddy.tables.logTable)]: 'log',
    [id(stack.eddy.tables.groupsTable)]: 'groups',
    [id(stack.eddy.bucket)]: 'bucket',
    [id(stack.eddy.httpApi)]: 'api',
  };
  fnIds = {} as Record<FunctionKind, string>;
  for (const kind of KINDS) {
    fnIds[kind] = id(stack.eddy.functions[kind] as lambda.Function);
    names[fnIds[kind]] = `fn:${kind}`;
  }
  granteeRoleIds = {} as Record<Grant, string>;
  for (const g of Object.keys(grantees) as Grant[]) granteeRoleIds[g] = id(grantees[g]);
  scopedRoleIds = { produce: id(scopedProducer), consume: id(scopedConsumer) };
}, SYNTH_TIMEOUT);

describe('bucket', () => {
  it('blocks all public access, encrypts, has no versioning, and is retained by default', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: Match.absent(),
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    });
  });

  it('has exactly one lifecycle rule: abort incomplete multipart uploads after 1 day, never expiring objects', () => {
    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(bucket!.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
  });

  it('denies every request that is not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0]!;
    const statements = allStatements(policy.Properties.PolicyDocument);
    // The bucket policy only denies; access comes from the function roles.
    expect(statements.map((s) => s.Effect)).toEqual(['Deny']);
    expect(sorted(resourcesOf(statements[0]!).map((r) => render(r, names)))).toEqual(['bucket', 'bucket/*']);
  });
});

describe('tables', () => {
  it('creates exactly the tables of core/schema.ts TABLES, with their keys', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
    for (const def of TABLES) {
      const table = stack.eddy.tables[def.settingsKey];
      const resource = template.toJSON().Resources[stack.getLogicalId(table.node.defaultChild as never)];
      const keys = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
      expect(resource.Properties.KeySchema).toEqual(
        keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      );
      expect(resource.Properties.AttributeDefinitions).toEqual(keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })));
    }
  });

  it('are on-demand, with point-in-time recovery and deletion protection, and retained', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    for (const t of Object.values(tables)) {
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(t.Properties.ProvisionedThroughput).toBeUndefined();
    }
  });
});

describe('functions', () => {
  it('one per handler, named from FUNCTION_NAMES, nodejs22.x or newer on arm64', () => {
    template.resourceCountIs('AWS::Lambda::Function', KINDS.length);
    for (const kind of KINDS) {
      const props = template.toJSON().Resources[fnIds[kind]].Properties;
      expect(props.FunctionName).toBe(FUNCTION_NAMES[kind]);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Handler).toBe('index.handler');
      const major = Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1]);
      expect(major).toBeGreaterThanOrEqual(22);
      expect(props.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('API functions time out under the HTTP API 30 s limit; maintenance gets 5 minutes', () => {
    for (const kind of KINDS) {
      const timeout = template.toJSON().Resources[fnIds[kind]].Properties.Timeout as number;
      if (kind === 'maintenance') expect(timeout).toBe(300);
      else expect(timeout).toBeLessThan(30);
    }
  });

  it('set exactly the environment variables named in core/config.ts ENV (and MALLOC_ENV), pointing at the right resources', () => {
    const allowed = new Set<string>([...Object.values(ENV), ...Object.keys(MALLOC_ENV)]);
    for (const kind of KINDS) {
      const vars = template.toJSON().Resources[fnIds[kind]].Properties.Environment.Variables as Record<string, unknown>;
      for (const name of Object.keys(vars)) expect(allowed, `${kind}: ${name} is not an ENV constant`).toContain(name);
      expect(render(vars[ENV.topicsTable], names)).toBe('topics');
      expect(render(vars[ENV.logTable], names)).toBe('log');
      expect(render(vars[ENV.groupsTable], names)).toBe('groups');
      expect(render(vars[ENV.bucket], names)).toBe('bucket');
      expect(vars[ENV.logLevel]).toBe('info');
      expect(vars[ENV.gcGraceMs]).toBe(String(15 * 60_000));
      expect(vars[ENV.compactionTargetBytes]).toBe(String(8 * 1024 * 1024));
      expect(vars[ENV.heartbeatIntervalMs]).toBe('5000');
      expect(vars[ENV.handoverHeartbeatIntervalMs]).toBe('500');
      expect(vars[ENV.appendProtocol]).toBe('head'); // the default; reserve is opt-in (appendProtocol prop)
    }
  });

  it('tune glibc malloc on every function of the default 1024 MiB: MALLOC_ENV of core/config.ts (under 512 MiB: none, eddy-streams-props.test.ts)', () => {
    expect(Object.keys(MALLOC_ENV).sort()).toEqual(Object.values(MALLOC_ENV_NAMES).sort());
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(KINDS.length);
    for (const [id, fn] of Object.entries(functions)) {
      const vars = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      // Every Eddy function (CDK's own helper functions, if any, carry no Eddy environment).
      if (vars[ENV.topicsTable] === undefined) continue;
      expect(vars, id).toMatchObject(MALLOC_ENV);
    }
  });

  it('log groups keep logs for a month and are retained with the data', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', KINDS.length + 1);
    for (const g of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(g.Properties.RetentionInDays).toBe(30);
      expect(g.DeletionPolicy).toBe('Retain');
      // Generated names: a retained group with a fixed name would block the next deploy.
      expect(g.Properties.LogGroupName).toBeUndefined();
    }
  });
});

describe('least privilege', () => {
  for (const kind of KINDS) {
    it(`${kind} has exactly the actions it needs, on exactly its resources`, () => {
      expect(permissionsOf(kind)).toEqual(
        Object.fromEntries(Object.entries(EXPECTED_PERMISSIONS[kind]).map(([k, v]) => [k, sorted(v)])),
      );
    });
  }

  it('fetch cannot write anything', () => {
    const actions = Object.values(permissionsOf('fetch')).flat();
    expect(actions.length).toBeGreaterThan(0);
    // Only read actions: a write (or a wildcard that includes one) fails here.
    for (const a of actions) expect(a).toMatch(/^(dynamodb:(GetItem|Query)|s3:GetObject)$/);
  });

  it('admin cannot read records: no S3 action at all', () => {
    const perms = permissionsOf('admin');
    expect(Object.values(perms).flat().filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(Object.keys(perms).filter((r) => r.startsWith('bucket'))).toEqual([]);
  });

  it('only produce and maintenance may write objects, each under its own prefix', () => {
    const writers = KINDS.flatMap((k) =>
      Object.entries(permissionsOf(k))
        .filter(([, actions]) => actions.includes('s3:PutObject'))
        .map(([resource]) => `${k}:${resource}`),
    );
    expect(sorted(writers)).toEqual(['maintenance:bucket/gc/*', 'maintenance:bucket/segments/*', 'produce:bucket/ingest/*']);
  });

  it('no Allow statement anywhere in the template uses a wildcard action', () => {
    const statements = allStatements(template.toJSON().Resources);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(10);
    for (const s of allows) for (const a of actionsOf(s)) expect(a).not.toContain('*');
    // The Denies are the TLS-only rules of the bucket and the dead-letter queue.
    expect(statements.filter((s) => s.Effect === 'Deny')).toHaveLength(2);
  });

  it('function roles have no managed policy; each writes logs to its own log group only, and traces', () => {
    for (const kind of KINDS) {
      const fn = template.toJSON().Resources[fnIds[kind]];
      const roleId = (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;
      const role = template.toJSON().Resources[roleId];
      expect(role.Properties.Policies).toBeUndefined();
      // AWSLambdaBasicExecutionRole would allow logs actions on every log group (issue 19 item 8).
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const platform = roleStatements(roleId).filter((s) => actionsOf(s).every((a) => PLATFORM_ACTIONS.test(a)));
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      const byAction = Object.fromEntries(platform.flatMap((s) => actionsOf(s).map((a) => [a, resourcesOf(s).map((r) => render(r))])));
      expect(byAction['logs:CreateLogStream']).toEqual([`{${logGroupId}.Arn}`]);
      expect(byAction['logs:PutLogEvents']).toEqual([`{${logGroupId}.Arn}`]);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      // X-Ray's PutTraceSegments has no resource-level permissions.
      expect(byAction['xray:PutTraceSegments']).toEqual(['*']);
      if (kind === 'maintenance') {
        expect(Object.keys(byAction).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      } else {
        expect(Object.keys(byAction).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    }
  });
});

describe('HTTP API', () => {
  it('has exactly the documented routes and no $default catch-all', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    expect(sorted(routes)).toEqual(sorted(Object.keys(EXPECTED_ROUTES)));
  });

  it('every route requires IAM authorization', () => {
    template.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.filter((r) => r.Properties.AuthorizationType !== 'AWS_IAM')).toEqual([]);
  });

  it('each route reaches the documented function through a payload v2 Lambda proxy integration', () => {
    const resources = template.toJSON().Resources;
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      const target = render(route.Properties.Target);
      const integrationId = /^integrations\/\{(.+)\}$/.exec(target)?.[1];
      const integration = resources[integrationId!];
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(render(integration.Properties.IntegrationUri, names), route.Properties.RouteKey).toBe(
        `fn:${EXPECTED_ROUTES[route.Properties.RouteKey as string]}`,
      );
    }
  });

  it('serves the $default stage with auto-deploy and JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
  });

  it('outputs the API URL and every function name', () => {
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Object.keys(names).find((k) => names[k] === 'api'), 'ApiEndpoint'] } });
    for (const kind of KINDS) {
      const pascal = kind.charAt(0).toUpperCase() + kind.slice(1);
      template.hasOutput(`${pascal}FunctionName`, { Value: { Ref: fnIds[kind] } });
    }
  });
});

describe('maintenance schedule', () => {
  it('invokes the maintenance function every 5 minutes with the documented direct payload', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(render(rule.Properties.Targets[0].Arn, names)).toBe('fn:maintenance');
    expect(JSON.parse(rule.Properties.Targets[0].Input)).toEqual({ maintenance: {} });
  });
});

describe('observability', () => {
  it('alarms on errors and throttles of every function', () => {
    for (const kind of KINDS) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnIds[kind] } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    }
  });

  it('alarms on DynamoDB throttling of every table and on API 5xx', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const tableAlarms = alarms.filter((a) =>
      (a.Properties.Metrics ?? []).some((m: { MetricStat?: { Metric: { MetricName: string } } }) =>
        ['ReadThrottleEvents', 'WriteThrottleEvents'].includes(m.MetricStat?.Metric.MetricName ?? ''),
      ),
    );
    expect(tableAlarms).toHaveLength(TABLES.length);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    expect(alarms).toHaveLength(KINDS.length * 2 + TABLES.length + 2);
    expect(stack.eddy.alarms).toHaveLength(alarms.length);
  });

  it('has a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('grants', () => {
  for (const g of Object.keys(EXPECTED_GRANT_ROUTES) as Grant[]) {
    it(`grant${g.charAt(0).toUpperCase() + g.slice(1)} allows exactly its routes and functions`, () => {
      const statements = roleStatements(granteeRoleIds[g]);
      const routes = statements
        .filter((s) => actionsOf(s).includes('execute-api:Invoke'))
        .flatMap((s) => resourcesOf(s).map((r) => render(r, names)));
      for (const r of routes) expect(r).toMatch(/^arn:\{AWS::Partition\}:execute-api:\{AWS::Region\}:\{AWS::AccountId\}:api\/\$default\//);
      expect(sorted(routes.map((r) => r.replace(/^.*:api\/\$default\//, '')))).toEqual(sorted(EXPECTED_GRANT_ROUTES[g]));

      const functions = statements
        .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
        .flatMap((s) => resourcesOf(s).map((r) => render(r, names)));
      expect(sorted(functions)).toEqual(sorted(EXPECTED_GRANT_FUNCTIONS[g].map((k) => `fn:${k}`)));

      const other = statements.flatMap(actionsOf).filter((a) => a !== 'execute-api:Invoke' && a !== 'lambda:InvokeFunction');
      expect(other).toEqual([]);
    });
  }

  const routesOf = (roleId: string): string[] =>
    sorted(
      roleStatements(roleId)
        .filter((s) => actionsOf(s).includes('execute-api:Invoke'))
        .flatMap((s) => resourcesOf(s).map((r) => render(r, names).replace(/^.*:api\/\$default\//, ''))),
    );

  it('a topic-scoped produce grant names the topic, so describe cannot match the fetch routes, and grants no direct invoke', () => {
    expect(routesOf(scopedRoleIds.produce)).toEqual(
      sorted(['GET/health', 'GET/v1/openapi.json', 'GET/v1/topics/orders', 'GET/v1/topics/orders/description', 'POST/v1/topics/orders/records']),
    );
    expect(roleStatements(scopedRoleIds.produce).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
  });

  it('a topic- and group-scoped consume grant expands each topic and group', () => {
    const routes = routesOf(scopedRoleIds.consume);
    expect(routes).toEqual(
      sorted([
        'GET/health',
        'GET/v1/openapi.json',
        'GET/v1/topics',
        ...['orders', 'payments'].flatMap((t) => [
          `GET/v1/topics/${t}`,
          `GET/v1/topics/${t}/description`,
          `GET/v1/topics/${t}/partitions/*/records`,
          `GET/v1/topics/${t}/partitions/*/offsets`,
        ]),
        'POST/v1/groups/billing/heartbeat',
        'POST/v1/groups/billing/offsets',
        'GET/v1/groups/billing/offsets',
      ]),
    );
    expect(roleStatements(scopedRoleIds.consume).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
  });

  it('no grant but produce reaches the produce route or function', () => {
    for (const g of ['consume', 'admin'] as const) {
      const resources = roleStatements(granteeRoleIds[g]).flatMap((s) => resourcesOf(s).map((r) => render(r, names)));
      expect(resources.filter((r) => r.endsWith('/records') && r.includes('POST'))).toEqual([]);
      expect(resources).not.toContain('fn:produce');
    }
  });
});

describe('bundles', () => {
  const bundleOf = (kind: FunctionKind): string => {
    // The asset's S3 key is `<hash>.zip`; the staged bundle is `<outdir>/asset.<hash>/`.
    const key = template.toJSON().Resources[fnIds[kind]].Properties.Code.S3Key as string;
    return path.join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  };

  it('are minified ESM with a createRequire banner and no source maps', () => {
    for (const kind of KINDS) {
      const code = readFileSync(bundleOf(kind), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*as handler[^}]*\}|export\s*\{\s*handler\s*\}/);
      expect(code).not.toContain('sourceMappingURL');
    }
  });

  it('carry no native CRC32C: the functions run the JavaScript one (only the SDK and the Node hosts plug in @node-rs/crc32)', () => {
    for (const kind of KINDS) {
      const code = readFileSync(bundleOf(kind), 'utf8');
      expect(code, kind).not.toContain('@node-rs/crc32');
      expect(code, kind).not.toMatch(/crc32-linux-(x64|arm64)-gnu/);
    }
  });

  it('fit the cold-start budget: each under 1 MiB', () => {
    for (const kind of KINDS) {
      expect(statSync(bundleOf(kind)).size, kind).toBeLessThan(1024 * 1024);
    }
  });
});
