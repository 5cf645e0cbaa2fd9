/**
 * Helpers for the CDK tests: an app configured like `cdk.json`, and a
 * readable rendering of CloudFormation intrinsics so policies can be compared
 * as plain strings.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps } from 'aws-cdk-lib';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const outdirs: string[] = [];

/** Feature flags from cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * A fresh app in a temp dir with cdk.json's feature flags.
 * @param bundle - false skips esbuild bundling (for tests that never look at the code)
 */
export function testApp(bundle: boolean, props: AppProps = {}): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'eddy-cdk-'));
  outdirs.push(outdir);
  return new App({
    outdir,
    ...props,
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...props.context },
  });
}

/** Deletes the output directories of every {@link testApp} made so far (call in afterAll). */
export function removeTestApps(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Renders a CloudFormation value as a string: `{Ref}` for a Ref, `{Id.Attr}`
 * for a GetAtt, Fn::Join joined, then each known logical id replaced by a name.
 */
export function render(value: unknown, names: Readonly<Record<string, string>> = {}): string {
  const raw = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(raw).join(',');
    const o = v as Record<string, unknown>;
    if ('Ref' in o) return `{${String(o.Ref)}}`;
    if ('Fn::GetAtt' in o) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      return `{${id}.${attr}}`;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(raw).join(sep);
    }
    return JSON.stringify(o);
  };
  let s = raw(value);
  for (const [id, name] of Object.entries(names)) {
    s = s.split(`{${id}.Arn}`).join(name).split(`{${id}}`).join(name);
  }
  return s;
}

/** An IAM statement as found in a template. */
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}

/** The actions of a statement as an array. */
export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** The resources of a statement as an array of raw values. */
export function resourcesOf(s: Statement): unknown[] {
  return s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

/** Every object in `value` that looks like an IAM statement (has Effect and Action). */
export function allStatements(value: unknown, out: Statement[] = []): Statement[] {
  if (Array.isArray(value)) {
    for (const v of value) allStatements(v, out);
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ((o.Effect === 'Allow' || o.Effect === 'Deny') && 'Action' in o) out.push(o as unknown as Statement);
    for (const v of Object.values(o)) allStatements(v, out);
  }
  return out;
}
