/**
 * IAM evaluation for the deploy check: each recorded AWS call (action +
 * resource ARN) is decided by `@cloud-copilot/iam-simulate` against the
 * calling function's synthesized identity policies, and every granted
 * (action, resource) pair is matched against the calls that used it.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type PolicyDocument } from './template.js';

/** One AWS call a function made (or the Lambda service made with its role). */
export interface AwsCall {
  /** Function name (stand-in) that made it. */
  readonly fn: string;
  /** `service:Action`, e.g. `dynamodb:Query`. */
  readonly action: string;
  readonly resource: string;
  /** `platform` for calls the Lambda service makes with the role (logs, X-Ray, dead letters). */
  readonly by: 'bundle' | 'platform';
  /** What the scenario was doing. */
  readonly scenario: string;
}

/** The simulator's verdict. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Decides calls for one role, caching by action and resource. */
export class PolicyEvaluator {
  private readonly cache = new Map<string, Promise<Decision>>();

  constructor(
    readonly principal: string,
    readonly policies: readonly PolicyDocument[],
  ) {}

  /** The simulator's decision for `action` on `resource`, with the request's condition keys (`dynamodb:LeadingKeys`). */
  decide(action: string, resource: string, context: Record<string, string[]> = {}): Promise<Decision> {
    const key = `${action} ${resource} ${JSON.stringify(context)}`;
    let d = this.cache.get(key);
    if (!d) {
      d = runSimulation(
        {
          identityPolicies: this.policies.map((policy, i) => ({ name: `policy${i}`, policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: { action, principal: this.principal, resource: { accountId: ACCOUNT, resource }, contextVariables: context },
        },
        {},
      ).then((r) => {
        if (r.resultType === 'error') throw new Error(`iam-simulate rejected ${action} on ${resource}: ${JSON.stringify(r.errors)}`);
        return r.overallResult as Decision;
      });
      this.cache.set(key, d);
    }
    return d;
  }
}

/** IAM's string matching: `*` any run of characters (`/` included), `?` one character. */
export function iamMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

/** One granted (action, resource pattern) pair of an Allow statement. */
export interface Grant {
  readonly action: string;
  readonly resource: string;
}

/** Every (action, resource) pair the policies allow. */
export function grantedPairs(policies: readonly PolicyDocument[]): Grant[] {
  const out: Grant[] = [];
  for (const doc of policies) {
    for (const s of doc.Statement) {
      if (s.Effect !== 'Allow') continue;
      for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) {
        for (const resource of Array.isArray(s.Resource) ? s.Resource : [s.Resource]) out.push({ action, resource });
      }
    }
  }
  return out;
}

/** The grants no allowed call used. */
export function unusedGrants(policies: readonly PolicyDocument[], calls: readonly AwsCall[]): Grant[] {
  return grantedPairs(policies).filter((g) => !calls.some((c) => iamMatch(g.action, c.action, true) && iamMatch(g.resource, c.resource)));
}
