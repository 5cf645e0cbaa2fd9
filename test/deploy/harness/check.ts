/**
 * The deploy check: every synthesized function bundle, run as Lambda runs it,
 * driven through every HTTP route (API Gateway v2 events, routed by the
 * template's own routes and integrations), direct invokes and the scheduled
 * maintenance event, with every AWS call it makes recorded and decided
 * against its synthesized IAM policy. Findings:
 * - a call the policy denies (the proxy also answers it AccessDenied, as AWS would);
 * - a granted (action, resource) pair that no call used;
 * - a request the proxy cannot map to IAM, a route no scenario drove, an
 *   answer other than the scenario expects, an invocation that failed.
 */
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { DynamoMetadataStore } from '../../../core/adapters/aws/metadata-store.js';
import { ENV } from '../../../core/config.js';
import { FUNCTION_NAMES } from '../../../core/schema.js';
import { CREDENTIALS, FunctionProcess, type InvokeOutcome } from './functions.js';
import { PolicyEvaluator, unusedGrants, type AwsCall, type Grant } from './iam.js';
import { startRecorder, type RecordedCall, type Recorder } from './recorder.js';
import { type Scenario, type ScenarioContext, scenarios } from './scenarios.js';
import {
  ACCOUNT,
  REGION,
  physicalName,
  resourcesOfType,
  scheduledInputs,
  templateFunctions,
  templateRoutes,
  type PolicyDocument,
  type Template,
  type TemplateFunction,
} from './template.js';

/** Options of {@link runDeployCheck}. */
export interface DeployCheckOptions {
  readonly template: Template;
  /** The cloud assembly directory holding the assets. */
  readonly outdir: string;
  /** Changes a function's policies before the run (the check's own self-test). */
  readonly mutatePolicies?: (functionName: string, policies: PolicyDocument[]) => PolicyDocument[];
  /** Run only these scenarios (by name prefix); default all. */
  readonly only?: (s: Scenario) => boolean;
}

/** A finding that fails the check. */
export interface Finding {
  readonly kind: 'denied' | 'unused-grant' | 'unmapped-request' | 'route-not-driven' | 'unexpected-answer' | 'invocation-failed';
  readonly fn?: string;
  readonly detail: string;
}

/** What the check saw. */
export interface DeployCheckResult {
  readonly findings: Finding[];
  readonly calls: RecordedCall[];
  /** Node version each function's process reported. */
  readonly nodeVersions: Record<string, string>;
  /** Log lines per function. */
  readonly logs: Record<string, string[]>;
  /** Scenario name → outcome, for assertions beyond the findings. */
  readonly outcomes: Map<string, InvokeOutcome>;
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

/** Creates the template's tables and bucket in the stand-ins, under their stand-in names. */
async function provision(template: Template, db: DynamoDBClient, s3: S3Client): Promise<void> {
  for (const id of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const p = template.Resources[id]!.Properties!;
    await db.send(
      new CreateTableCommand({
        TableName: physicalName(id),
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: p.KeySchema as KeySchemaElement[],
        AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
      }),
    );
  }
  for (const id of resourcesOfType(template, 'AWS::S3::Bucket')) await s3.send(new CreateBucketCommand({ Bucket: physicalName(id) }));
}

/** Runs the whole check once. */
export async function runDeployCheck(options: DeployCheckOptions): Promise<DeployCheckResult> {
  const { template, outdir } = options;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'eddy-deploy-check-'));
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoAddr = await listen(dynamo);
  // allowMismatchedSignatures: the proxy restamps the request time of the
  // time-shifted maintenance passes, which invalidates their signatures.
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(dataDir, 's3'), vhostBuckets: false, allowMismatchedSignatures: true });
  const s3Addr = await s3rver.run();
  const standins = { dynamodb: new URL(`http://127.0.0.1:${dynamoAddr.port}`), s3: new URL(`http://127.0.0.1:${s3Addr.port}`) };
  const clientConfig = { region: REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } };
  const db = new DynamoDBClient({ ...clientConfig, endpoint: standins.dynamodb.href });
  const s3 = new S3Client({ ...clientConfig, endpoint: standins.s3.href, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });

  const findings: Finding[] = [];
  const outcomes = new Map<string, InvokeOutcome>();
  const processes: FunctionProcess[] = [];
  const recorders = new Map<string, Recorder>();
  const evaluators = new Map<string, PolicyEvaluator>();
  const platformCalls: RecordedCall[] = [];
  const nodeVersions: Record<string, string> = {};
  const logs: Record<string, string[]> = {};

  try {
    await provision(template, db, s3);
    const fns = templateFunctions(template, outdir).map((f) => (options.mutatePolicies ? { ...f, policies: options.mutatePolicies(f.functionName, f.policies) } : f));
    const byLogicalId = new Map(fns.map((f) => [f.logicalId, f]));
    for (const f of fns) {
      if (Object.keys(f.environment).some((k) => /ENDPOINT/.test(k))) {
        findings.push({ kind: 'unexpected-answer', fn: f.functionName, detail: `template sets an endpoint override: ${JSON.stringify(f.environment)}` });
      }
      const evaluator = new PolicyEvaluator(f.roleArn, f.policies);
      evaluators.set(f.functionName, evaluator);
      recorders.set(f.functionName, await startRecorder(f.functionName, evaluator, standins));
    }

    const warm = new Map<string, FunctionProcess>();
    const processFor = async (f: TemplateFunction, clockOffsetMs: number): Promise<FunctionProcess> => {
      const key = `${f.functionName}@${clockOffsetMs}`;
      let p = warm.get(key);
      if (!p) {
        p = new FunctionProcess(f, recorders.get(f.functionName)!, clockOffsetMs);
        processes.push(p);
        await p.start();
        nodeVersions[f.functionName] = p.nodeVersion;
        warm.set(key, p);
      }
      return p;
    };

    /** What the Lambda service does with the role around one invocation: logs, traces, dead letters. */
    const platform = async (f: TemplateFunction, p: FunctionProcess, scenario: string, asyncFailure: boolean): Promise<void> => {
      const evaluator = evaluators.get(f.functionName)!;
      const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${f.logGroupName}:log-stream:2026/01/01/[$LATEST]${p.clockOffsetMs}`;
      const calls: Array<[string, string]> = [];
      if (p.invocationCount === 1) calls.push(['logs:CreateLogStream', stream]);
      calls.push(['logs:PutLogEvents', stream]);
      if (f.tracingActive) calls.push(['xray:PutTraceSegments', '*'], ['xray:PutTelemetryRecords', '*']);
      if (asyncFailure && f.deadLetterQueueArn) calls.push(['sqs:SendMessage', f.deadLetterQueueArn]);
      for (const [action, resource] of calls) {
        platformCalls.push({ fn: f.functionName, action, resource, by: 'platform', scenario, decision: await evaluator.decide(action, resource) });
      }
    };

    const routes = templateRoutes(template);
    const driven = new Set<string>();
    const env = fns.find((f) => f.functionName === FUNCTION_NAMES.produce)?.environment ?? {};
    const ctx: ScenarioContext = {
      s3,
      meta: new DynamoMetadataStore(db, { topicsTable: env[ENV.topicsTable] ?? '', logTable: env[ENV.logTable] ?? '', groupsTable: env[ENV.groupsTable] ?? '' }),
      bucket: physicalName(resourcesOfType(template, 'AWS::S3::Bucket')[0]!),
      async listKeys(prefix) {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix }));
        return (out.Contents ?? []).map((o) => o.Key!);
      },
      async overwrite(key, bytes) {
        await s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes }));
      },
    };

    for (const scenario of scenarios(template, { appendProtocol: env[ENV.appendProtocol] === 'reserve' ? 'reserve' : 'head' })) {
      if (options.only && !options.only(scenario)) continue;
      if (scenario.kind === 'setup') {
        await scenario.run(ctx);
        continue;
      }
      let f: TemplateFunction | undefined;
      if (scenario.kind === 'http') {
        const route = routes.find((r) => r.routeKey === scenario.routeKey);
        if (!route) {
          findings.push({ kind: 'unexpected-answer', detail: `${scenario.name}: the template has no route ${scenario.routeKey}` });
          continue;
        }
        driven.add(route.routeKey);
        f = byLogicalId.get(route.functionLogicalId);
      } else if (scenario.kind === 'scheduled') {
        const target = scheduledInputs(template)[0];
        f = target && byLogicalId.get(target.functionLogicalId);
      } else {
        f = fns.find((x) => x.functionName === scenario.functionName);
      }
      if (!f) {
        findings.push({ kind: 'unexpected-answer', detail: `${scenario.name}: no function in the template serves it` });
        continue;
      }
      const p = await processFor(f, scenario.clockOffsetMs ?? 0);
      recorders.get(f.functionName)!.scenario = scenario.name;
      const event = scenario.kind === 'scheduled' ? scheduledInputs(template)[0]!.input : scenario.event();
      const outcome = await p.invoke(event);
      outcomes.set(scenario.name, outcome);
      await platform(f, p, scenario.name, scenario.kind === 'scheduled' && !outcome.ok);
      const problem = scenario.expect(outcome);
      if (problem) findings.push({ kind: outcome.ok ? 'unexpected-answer' : 'invocation-failed', fn: f.functionName, detail: `${scenario.name}: ${problem}` });
    }

    if (!options.only) {
      for (const r of routes) if (!driven.has(r.routeKey)) findings.push({ kind: 'route-not-driven', detail: `no scenario drives ${r.routeKey}` });
    }

    const calls = [...[...recorders.values()].flatMap((r) => r.calls), ...platformCalls];
    for (const c of calls) {
      if (c.decision !== 'Allowed') findings.push({ kind: 'denied', fn: c.fn, detail: `${c.action} on ${c.resource} (${c.by}, ${c.scenario}): ${c.decision}` });
    }
    for (const [name, r] of recorders) for (const u of r.unknown) findings.push({ kind: 'unmapped-request', fn: name, detail: u });
    if (!options.only) {
      for (const f of fns) {
        const allowed: AwsCall[] = calls.filter((c) => c.fn === f.functionName && c.decision === 'Allowed');
        for (const g of unusedGrants(f.policies, allowed)) findings.push({ kind: 'unused-grant', fn: f.functionName, detail: describeGrant(g) });
      }
    }
    for (const p of processes) (logs[p.fn.functionName] ??= []).push(...p.stdout, ...p.stderr);
    return { findings, calls, nodeVersions, logs, outcomes };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([...recorders.values()].map((r) => r.close()));
    db.destroy();
    s3.destroy();
    await Promise.all([s3rver.close(), new Promise((r) => dynamo.close(r))]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describeGrant(g: Grant): string {
  return `${g.action} on ${g.resource} is granted but no scenario used it`;
}
