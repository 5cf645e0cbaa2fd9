/**
 * Reads a synthesized CloudFormation template the way CloudFormation would
 * deploy it, with every physical name replaced by a stand-in: tables and the
 * bucket get names the check creates in dynalite and s3rver, everything else
 * an ARN in a fixed fake account. An intrinsic it cannot resolve throws, so a
 * template that grows something new fails the check instead of being skipped.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The fake account and region every ARN is resolved in. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
/** The HTTP API's id in resolved ARNs. */
export const API_ID = 'deploycheck';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** A template plus where its assets are. */
export interface Template {
  readonly Resources: Record<string, Resource>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: Array<{ Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[]; Condition?: unknown }>;
}

/** One function of the template, resolved. */
export interface TemplateFunction {
  readonly logicalId: string;
  readonly functionName: string;
  /** Directory of its synthesized bundle (`cdk.out/asset.<hash>`). */
  readonly assetDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly memorySize: number;
  /** The environment the template gives it, Refs resolved. */
  readonly environment: Record<string, string>;
  readonly roleArn: string;
  /** Every identity policy attached to its role, resolved. */
  readonly policies: PolicyDocument[];
  /** The ARN of its log group (`…:log-group:<name>:*`). */
  readonly logGroupName: string;
  readonly tracingActive: boolean;
  /** ARN of its dead-letter queue, if any. */
  readonly deadLetterQueueArn?: string;
}

/** Loads `<stack>.template.json` from a cloud assembly directory. */
export function loadTemplate(outdir: string, stack: string): Template {
  return JSON.parse(readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8')) as Template;
}

/** The stand-in physical name of a resource: its logical id in lower case (valid for tables, buckets, log groups, queues). */
export function physicalName(logicalId: string): string {
  return logicalId.toLowerCase();
}

/** Resolves CloudFormation intrinsics against stand-in names. */
export class Resolver {
  constructor(private readonly template: Template) {}

  private resource(id: string): Resource {
    const r = this.template.Resources[id];
    if (!r) throw new Error(`template: no resource ${id}`);
    return r;
  }

  /** The value of `Ref` on a logical id or pseudo parameter. */
  ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    const r = this.resource(id);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::S3::Bucket':
      case 'AWS::Logs::LogGroup':
      case 'AWS::IAM::Role':
      case 'AWS::Lambda::Function':
        return physicalName(id);
      case 'AWS::ApiGatewayV2::Api':
        return API_ID;
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physicalName(id)}`;
      default:
        throw new Error(`template: cannot resolve Ref ${id} (${r.Type})`);
    }
  }

  /** The value of `Fn::GetAtt`. */
  getAtt(id: string, attr: string): string {
    const r = this.resource(id);
    const name = physicalName(id);
    const key = `${r.Type}.${attr}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      default:
        throw new Error(`template: cannot resolve Fn::GetAtt ${id}.${attr} (${r.Type})`);
    }
  }

  /** Resolves any value: strings stay, intrinsics are evaluated, arrays and objects recursively. */
  resolve(value: unknown): unknown {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === 'Ref') return this.ref(o.Ref as string);
      if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
        const [id, attr] = o['Fn::GetAtt'] as [string, string];
        return this.getAtt(id, attr);
      }
      if (keys.length === 1 && keys[0] === 'Fn::Join') {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map((p) => this.resolveString(p)).join(sep);
      }
      if (keys.length === 1 && keys[0]!.startsWith('Fn::')) throw new Error(`template: cannot resolve ${keys[0]}`);
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.resolve(v)]));
    }
    throw new Error(`template: cannot resolve ${JSON.stringify(value)}`);
  }

  /** Resolves a value that must come out as a string. */
  resolveString(value: unknown): string {
    const v = this.resolve(value);
    if (typeof v !== 'string') throw new Error(`template: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }
}

/** Logical ids of the resources of one type. */
export function resourcesOfType(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
}

function refId(value: unknown): string | undefined {
  const o = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null;
  if (o && typeof o.Ref === 'string') return o.Ref;
  if (o && Array.isArray(o['Fn::GetAtt'])) return o['Fn::GetAtt'][0] as string;
  return undefined;
}

/** The identity policies attached to a role: its inline `Policies` and every `AWS::IAM::Policy` naming it. */
export function rolePolicies(template: Template, resolver: Resolver, roleId: string): PolicyDocument[] {
  const role = template.Resources[roleId]!;
  if (role.Properties?.ManagedPolicyArns !== undefined) {
    // A managed policy's text is not in the template; the check could not evaluate it.
    throw new Error(`template: role ${roleId} has managed policies ${JSON.stringify(role.Properties.ManagedPolicyArns)}; the deploy check evaluates inline policies only`);
  }
  const docs: PolicyDocument[] = [];
  for (const p of (role.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []) docs.push(resolver.resolve(p.PolicyDocument) as PolicyDocument);
  for (const id of resourcesOfType(template, 'AWS::IAM::Policy')) {
    const p = template.Resources[id]!.Properties!;
    const roles = (p.Roles as unknown[] | undefined) ?? [];
    if (roles.some((r) => refId(r) === roleId)) docs.push(resolver.resolve(p.PolicyDocument) as PolicyDocument);
  }
  return docs;
}

/** Every function of the template, resolved. */
export function templateFunctions(template: Template, outdir: string): TemplateFunction[] {
  const resolver = new Resolver(template);
  return resourcesOfType(template, 'AWS::Lambda::Function').map((id) => {
    const r = template.Resources[id]!;
    const p = r.Properties!;
    const asset = r.Metadata?.['aws:asset:path'];
    if (typeof asset !== 'string') throw new Error(`template: function ${id} has no aws:asset:path (synthesized without bundling?)`);
    const roleId = refId(p.Role);
    if (!roleId) throw new Error(`template: function ${id} has no role from this template`);
    const logGroupId = refId((p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
    if (!logGroupId) throw new Error(`template: function ${id} has no LoggingConfig.LogGroup`);
    const env = resolver.resolve((p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) as Record<string, string>;
    const dlq = (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    return {
      logicalId: id,
      functionName: resolver.resolveString(p.FunctionName),
      assetDir: path.join(outdir, asset),
      handler: p.Handler as string,
      runtime: p.Runtime as string,
      memorySize: (p.MemorySize as number | undefined) ?? 128,
      environment: env,
      roleArn: resolver.getAtt(roleId, 'Arn'),
      policies: rolePolicies(template, resolver, roleId),
      logGroupName: resolver.ref(logGroupId),
      tracingActive: (p.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
      ...(dlq !== undefined ? { deadLetterQueueArn: resolver.resolveString(dlq) } : {}),
    };
  });
}

/** An HTTP API route of the template and the function its integration invokes. */
export interface TemplateRoute {
  readonly routeKey: string;
  readonly functionLogicalId: string;
  readonly authorizationType: string;
}

/** Every route of the HTTP API, with the function API Gateway would invoke for it. */
export function templateRoutes(template: Template): TemplateRoute[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map((id) => {
    const p = template.Resources[id]!.Properties!;
    const target = p.Target as { 'Fn::Join': [string, unknown[]] };
    const integrationId = refId(target['Fn::Join'][1][1]);
    const integration = template.Resources[integrationId ?? '']?.Properties;
    const fnId = refId(integration?.IntegrationUri);
    if (!fnId) throw new Error(`template: route ${String(p.RouteKey)} does not integrate a function of this template`);
    return { routeKey: p.RouteKey as string, functionLogicalId: fnId, authorizationType: p.AuthorizationType as string };
  });
}

/** The input the maintenance schedule sends, parsed from the rule's target. */
export function scheduledInputs(template: Template): Array<{ functionLogicalId: string; input: unknown }> {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap((id) =>
    ((template.Resources[id]!.Properties!.Targets as Array<{ Arn: unknown; Input?: string }>) ?? []).map((t) => ({
      functionLogicalId: refId(t.Arn)!,
      input: t.Input === undefined ? {} : (JSON.parse(t.Input) as unknown),
    })),
  );
}
