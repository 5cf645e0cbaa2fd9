/**
 * What we ship is what we tested (issue 19). `cdk synth` produces the stack;
 * each function's synthesized bundle runs in its own Node 22 process with
 * exactly its template environment, against dynalite and s3rver behind a
 * recording proxy; every route, direct invokes and the scheduled
 * maintenance event drive it; every AWS call is decided against the
 * function's synthesized policy by @cloud-copilot/iam-simulate. The check
 * fails on a denied call and on a granted permission nothing used — and the
 * last two tests show it does, by removing and adding a permission.
 *
 * The grant tests evaluate what grantProduce, grantConsume and grantAdmin
 * allow on every route's execute-api ARN, record reads above all.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { API_ROUTES, INVOKE_ACCESS, type Access } from '../../cdk/lib/routes.js';
import { FUNCTION_NAMES } from '../../core/schema.js';
import { removeTestApps, testApp } from '../cdk/helpers.js';
import { runDeployCheck, type DeployCheckResult } from './harness/check.js';
import { PolicyEvaluator } from './harness/iam.js';
import { API_ID, REGION, ACCOUNT, Resolver, loadTemplate, rolePolicies, templateFunctions, type PolicyDocument, type Template } from './harness/template.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK = 'Eddy';
/** Synthesis bundles five functions with esbuild; generous for a busy CI machine. */
const SYNTH_TIMEOUT = 600_000;
const RUN_TIMEOUT = 240_000;

let outdir: string;
let template: Template;
let base: DeployCheckResult;

/** `cdk synth` of the stack into a new temporary directory, with extra CLI arguments (`-c key=value`); its template. */
async function synth(extraArgs: readonly string[] = []): Promise<{ outdir: string; template: Template }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eddy-deploy-synth-'));
  // The CDK CLI and the app exactly as `npx cdk synth` runs them (cdk.json), offline.
  await promisify(execFile)(path.join(REPO_ROOT, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--no-notices', ...extraArgs, '-o', dir, STACK], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { outdir: dir, template: loadTemplate(dir, STACK) };
}

beforeAll(async () => {
  ({ outdir, template } = await synth());
}, SYNTH_TIMEOUT);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  removeTestApps();
});

/** Removes one action from every statement of one function's policies. */
function withoutAction(fn: string, action: string) {
  return (name: string, docs: PolicyDocument[]): PolicyDocument[] =>
    name !== fn
      ? docs
      : docs.map((d) => ({
          ...d,
          Statement: d.Statement.map((s) => ({ ...s, Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action) })).filter((s) => s.Action.length > 0),
        }));
}

/** Adds one statement to one function's policies. */
function withStatement(fn: string, action: string, resource: string) {
  return (name: string, docs: PolicyDocument[]): PolicyDocument[] =>
    name !== fn ? docs : [...docs, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] }];
}

describe('deploy check: the synthesized bundles within their synthesized IAM policies', () => {
  it(
    'every function works on Node 22 with its template environment, every call allowed, every grant used',
    async () => {
      base = await runDeployCheck({ template, outdir });
      expect(base.findings).toEqual([]);
      expect(Object.keys(base.nodeVersions).sort()).toEqual(Object.values(FUNCTION_NAMES).sort());
      for (const v of Object.values(base.nodeVersions)) expect(v).toMatch(/^v22\./);
      // The scenarios reached every service the policies name.
      expect(new Set(base.calls.map((c) => c.action.split(':')[0]))).toEqual(new Set(['dynamodb', 's3', 'logs', 'xray', 'sqs']));
      // The failing maintenance pass logged its errors at error level before failing.
      const errorLines = base.logs[FUNCTION_NAMES.maintenance]!.filter((l) => l.includes('"level":"error"'));
      expect(errorLines.some((l) => l.includes('maintenance failed') && l.includes('DATA_CORRUPT'))).toBe(true);
    },
    RUN_TIMEOUT,
  );

  it(
    'fails when a permission is removed from a role (maintenance without s3:ListBucket) and when one is added (produce with dynamodb:UpdateItem)',
    async () => {
      const logTableArn = base.calls.find((c) => c.action === 'dynamodb:PutItem' && c.fn === FUNCTION_NAMES.produce)!.resource;
      const [removed, added] = await Promise.all([
        // The first maintenance pass is enough to meet the missing permission (GC lists first).
        runDeployCheck({
          template,
          outdir,
          mutatePolicies: withoutAction(FUNCTION_NAMES.maintenance, 's3:ListBucket'),
          only: (s) => s.kind === 'scheduled' && !s.clockOffsetMs,
        }),
        runDeployCheck({ template, outdir, mutatePolicies: withStatement(FUNCTION_NAMES.produce, 'dynamodb:UpdateItem', logTableArn) }),
      ]);

      // Removed: GC's listing is denied, the pass records the error and its invocation fails.
      expect(removed.findings.filter((f) => f.kind === 'denied').map((f) => f.detail)).toContainEqual(expect.stringMatching(/^s3:ListBucket on arn:aws:s3:::\S+ \(bundle, maintenance pass \(now\)\): ImplicitlyDenied$/));
      expect(removed.findings).toContainEqual(expect.objectContaining({ kind: 'invocation-failed', fn: FUNCTION_NAMES.maintenance, detail: expect.stringMatching(/^maintenance pass \(now\): .*MaintenanceFailedError/) }));

      // Added: the only finding is the grant nothing used.
      expect(added.findings).toEqual([
        { kind: 'unused-grant', fn: FUNCTION_NAMES.produce, detail: `dynamodb:UpdateItem on ${logTableArn} is granted but no scenario used it` },
      ]);
    },
    RUN_TIMEOUT,
  );
});

describe('deploy check: the stack with appendProtocol reserve (cdk synth -c eddy:appendProtocol=reserve)', () => {
  let reserveOutdir: string;
  let reserveTemplate: Template;

  beforeAll(async () => {
    ({ outdir: reserveOutdir, template: reserveTemplate } = await synth(['-c', 'eddy:appendProtocol=reserve']));
  }, SYNTH_TIMEOUT);

  afterAll(() => {
    if (reserveOutdir) rmSync(reserveOutdir, { recursive: true, force: true });
  });

  it(
    "every call allowed and every grant used, the offset counters and a dead writer's hole included; the counter grant holds only for keys n#…",
    async () => {
      const result = await runDeployCheck({ template: reserveTemplate, outdir: reserveOutdir });
      expect(result.findings).toEqual([]);
      const byProduce = result.calls.filter((c) => c.fn === FUNCTION_NAMES.produce && c.by === 'bundle').map((c) => c.action);
      expect(byProduce).toContain('dynamodb:UpdateItem'); // reserve offsets
      expect(result.calls.some((c) => c.fn === FUNCTION_NAMES.fetch && c.action === 'dynamodb:PutItem' && c.decision === 'Allowed')).toBe(true); // the abandon marker
      // The condition is evaluated on the request's keys: the same actions on a topic item are denied.
      const produce = templateFunctions(reserveTemplate, reserveOutdir).find((f) => f.functionName === FUNCTION_NAMES.produce)!;
      const topicsTable = result.calls.find((c) => c.fn === FUNCTION_NAMES.produce && c.action === 'dynamodb:UpdateItem')!.resource;
      const evaluator = new PolicyEvaluator(produce.roleArn, produce.policies);
      expect(await evaluator.decide('dynamodb:UpdateItem', topicsTable, { 'dynamodb:LeadingKeys': ['n#some-topic-id#0'] })).toBe('Allowed');
      expect(await evaluator.decide('dynamodb:UpdateItem', topicsTable, { 'dynamodb:LeadingKeys': ['orders'] })).toBe('ImplicitlyDenied');
      expect(await evaluator.decide('dynamodb:PutItem', topicsTable, { 'dynamodb:LeadingKeys': ['orders'] })).toBe('ImplicitlyDenied');
    },
    RUN_TIMEOUT,
  );
});

describe('deploy check: what grantProduce, grantConsume and grantAdmin allow over HTTPS', () => {
  type Grantee = `${Access}` | `${Access}-scoped`;
  let evaluators: Record<Grantee, PolicyEvaluator>;
  let functionArns: Record<string, string>;

  beforeAll(() => {
    const app = testApp(false);
    const stack = new EddyStack(app, 'GrantCheck');
    const roles = {} as Record<Grantee, iam.Role>;
    for (const access of ['produce', 'consume', 'admin'] as const) {
      roles[access] = new iam.Role(stack, `${access}Grantee`, { assumedBy: new iam.AccountRootPrincipal() });
      roles[`${access}-scoped`] = new iam.Role(stack, `${access}ScopedGrantee`, { assumedBy: new iam.AccountRootPrincipal() });
    }
    stack.eddy.grantProduce(roles.produce);
    stack.eddy.grantConsume(roles.consume);
    stack.eddy.grantAdmin(roles.admin);
    stack.eddy.grantProduce(roles['produce-scoped'], { topics: ['orders'] });
    stack.eddy.grantConsume(roles['consume-scoped'], { topics: ['orders'], groups: ['g1'] });
    stack.eddy.grantAdmin(roles['admin-scoped'], { topics: ['orders'], groups: ['g1'] });
    const t = app.synth().getStackByName('GrantCheck').template as Template;
    const resolver = new Resolver(t);
    evaluators = {} as Record<Grantee, PolicyEvaluator>;
    for (const [g, role] of Object.entries(roles) as Array<[Grantee, iam.Role]>) {
      const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
      evaluators[g] = new PolicyEvaluator(resolver.getAtt(roleId, 'Arn'), rolePolicies(t, resolver, roleId));
    }
    functionArns = {};
    for (const [kind, fn] of Object.entries(stack.eddy.functions)) {
      functionArns[kind] = resolver.getAtt(stack.getLogicalId(fn.node.defaultChild as CfnElement), 'Arn');
    }
  }, SYNTH_TIMEOUT);

  const arn = (method: string, p: string): string => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/$default/${method}${p}`;
  /** Concrete request paths for a route: named and other topics and groups. */
  const samples = (routePath: string): string[] =>
    ['orders', 'other'].flatMap((topic) => ['g1', 'g2'].map((group) => routePath.replace('{topic}', topic).replace('{group}', group).replace('{p}', '0')));
  const allowed = async (g: Grantee, method: string, p: string): Promise<boolean> => (await evaluators[g].decide('execute-api:Invoke', arn(method, p))) === 'Allowed';

  /** Who may call what, per docs/deploy.md ("What each grant allows"); transcribed, not derived from cdk/lib/routes.ts. */
  const EXPECTED: Record<string, readonly Access[]> = {
    'GET /health': ['produce', 'consume', 'admin'],
    'GET /v1/openapi.json': ['produce', 'consume', 'admin'],
    'POST /v1/topics': ['admin'],
    'GET /v1/topics': ['consume', 'admin'],
    'GET /v1/topics/{topic}': ['consume'],
    'GET /v1/topics/{topic}/description': ['produce', 'consume', 'admin'],
    'PATCH /v1/topics/{topic}': ['admin'],
    'DELETE /v1/topics/{topic}': ['admin'],
    'POST /v1/topics/{topic}/records': ['produce'],
    'GET /v1/topics/{topic}/partitions/{p}/records': ['consume'],
    'GET /v1/topics/{topic}/partitions/{p}/offsets': ['consume'],
    'GET /v1/groups': ['admin'],
    'GET /v1/groups/{group}': ['admin'],
    'DELETE /v1/groups/{group}': ['admin'],
    'POST /v1/groups/{group}/heartbeat': ['consume'],
    'POST /v1/groups/{group}/offsets': ['consume'],
    'GET /v1/groups/{group}/offsets': ['consume', 'admin'],
    'POST /v1/groups/{group}/offsets/reset': ['admin'],
  };

  it('the route list is the one the expectations cover', () => {
    expect(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('no produce or admin grant, scoped or not, reaches a record or offset read', async () => {
    const reads = API_ROUTES.filter((r) => r.fn === 'fetch');
    expect(reads.length).toBe(2);
    for (const g of ['produce', 'admin', 'produce-scoped', 'admin-scoped'] as const) {
      for (const r of reads) {
        // Every path API Gateway routes to a record read ends in /records or /offsets ({topic} holds no '/').
        for (const p of samples(r.path)) {
          expect({ grantee: g, path: p, allowed: await allowed(g, r.method, p) }).toEqual({ grantee: g, path: p, allowed: false });
        }
      }
    }
  });

  it('unscoped grants allow exactly their routes, for every topic and group', async () => {
    for (const access of ['produce', 'consume', 'admin'] as const) {
      for (const r of API_ROUTES) {
        const want = EXPECTED[`${r.method} ${r.path}`]!.includes(access);
        for (const p of samples(r.path)) expect({ access, route: `${r.method} ${p}`, allowed: await allowed(access, r.method, p) }).toEqual({ access, route: `${r.method} ${p}`, allowed: want });
      }
    }
  });

  it('scoped grants allow their routes for the named topics and groups only, old describe path included', async () => {
    for (const access of ['produce', 'consume', 'admin'] as const) {
      const g = `${access}-scoped` as const;
      const scopedExtra = access === 'consume' ? [] : ['GET /v1/topics/{topic}'];
      for (const r of API_ROUTES) {
        const key = `${r.method} ${r.path}`;
        const routeOk = EXPECTED[key]!.includes(access) || scopedExtra.includes(key);
        for (const p of samples(r.path)) {
          const namesOk = !/\/v1\/topics\/(?!orders)[^/]+/.test(p) && !/\/v1\/groups\/(?!g1)[^/]+/.test(p);
          // A produce grant names topics only: its group routes (none) are not affected.
          expect({ g, route: `${r.method} ${p}`, allowed: await allowed(g, r.method, p) }).toEqual({ g, route: `${r.method} ${p}`, allowed: routeOk && namesOk });
        }
      }
    }
  });

  it('direct invoke: unscoped grants may invoke their functions, scoped grants none', async () => {
    for (const access of ['produce', 'consume', 'admin'] as const) {
      for (const [kind, fnArn] of Object.entries(functionArns)) {
        const want = (INVOKE_ACCESS[access] as readonly string[]).includes(kind);
        expect({ access, kind, allowed: (await evaluators[access].decide('lambda:InvokeFunction', fnArn)) === 'Allowed' }).toEqual({ access, kind, allowed: want });
        expect({ access, kind, allowed: (await evaluators[`${access}-scoped`].decide('lambda:InvokeFunction', fnArn)) === 'Allowed' }).toEqual({ access, kind, allowed: false });
      }
    }
  });
});
