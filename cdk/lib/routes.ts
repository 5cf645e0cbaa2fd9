/**
 * The HTTP API's routes, which function serves each, and who may call it.
 *
 * Transcribed from DESIGN.md §3 and docs/api.md ("Which function serves which
 * route"). Every route is IAM-authorized; `access` decides which of
 * `grantProduce` / `grantConsume` / `grantAdmin` allows `execute-api:Invoke`
 * on it.
 */
import type { FunctionKind } from '../../core/schema.js';

/** A caller role, as granted by `EddyStreams.grantProduce/grantConsume/grantAdmin`. */
export type Access = 'produce' | 'consume' | 'admin';

/** The functions that serve HTTP routes (maintenance is scheduled only). */
export type ApiFunctionKind = Exclude<FunctionKind, 'maintenance'>;

/** One HTTP API route. */
export interface ApiRoute {
  /** HTTP method. */
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path in API Gateway syntax (`{name}` for a path parameter). */
  readonly path: string;
  /** The function that serves it. */
  readonly fn: ApiFunctionKind;
  /** Which grants allow `execute-api:Invoke` on it. */
  readonly access: readonly Access[];
  /**
   * Grants that allow it only when they name their topics. Its unscoped IAM
   * pattern would reach routes those grants must not call (see {@link iamPaths}).
   */
  readonly scopedAccess?: readonly Access[];
}

/**
 * Every route of HTTP API v1. There is no `$default` route: a path not listed
 * here gets API Gateway's own 404 and never reaches a function.
 *
 * Topic describe is readable by producers (the partitioner needs the partition
 * count) and consumers; group administration (list, describe, delete, reset)
 * is admin-only.
 *
 * Record reads stay out of reach of produce and admin grants whatever IAM's
 * wildcard matching does: every path pattern those grants get either ends in
 * a literal segment no record route ends in (`…/description`, `…/records`
 * under POST) or uses a method no record route uses (PATCH, DELETE, POST).
 * `GET /v1/topics/{topic}`, whose unscoped pattern `GET/v1/topics/*` also
 * matches `GET/v1/topics/t/partitions/0/records`, is theirs only for named
 * topics; unscoped, they describe through `GET /v1/topics/{topic}/description`.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/health', fn: 'admin', access: ['produce', 'consume', 'admin'] },
  { method: 'GET', path: '/v1/openapi.json', fn: 'admin', access: ['produce', 'consume', 'admin'] },
  { method: 'POST', path: '/v1/topics', fn: 'admin', access: ['admin'] },
  { method: 'GET', path: '/v1/topics', fn: 'admin', access: ['consume', 'admin'] },
  { method: 'GET', path: '/v1/topics/{topic}', fn: 'admin', access: ['consume'], scopedAccess: ['produce', 'admin'] },
  { method: 'GET', path: '/v1/topics/{topic}/description', fn: 'admin', access: ['produce', 'consume', 'admin'] },
  { method: 'PATCH', path: '/v1/topics/{topic}', fn: 'admin', access: ['admin'] },
  { method: 'DELETE', path: '/v1/topics/{topic}', fn: 'admin', access: ['admin'] },
  { method: 'POST', path: '/v1/topics/{topic}/records', fn: 'produce', access: ['produce'] },
  { method: 'GET', path: '/v1/topics/{topic}/partitions/{p}/records', fn: 'fetch', access: ['consume'] },
  { method: 'GET', path: '/v1/topics/{topic}/partitions/{p}/offsets', fn: 'fetch', access: ['consume'] },
  { method: 'GET', path: '/v1/groups', fn: 'groups', access: ['admin'] },
  { method: 'GET', path: '/v1/groups/{group}', fn: 'groups', access: ['admin'] },
  { method: 'DELETE', path: '/v1/groups/{group}', fn: 'groups', access: ['admin'] },
  { method: 'POST', path: '/v1/groups/{group}/heartbeat', fn: 'groups', access: ['consume'] },
  { method: 'POST', path: '/v1/groups/{group}/offsets', fn: 'groups', access: ['consume'] },
  { method: 'GET', path: '/v1/groups/{group}/offsets', fn: 'groups', access: ['consume', 'admin'] },
  { method: 'POST', path: '/v1/groups/{group}/offsets/reset', fn: 'groups', access: ['admin'] },
];

/**
 * Which functions each grant may invoke directly (`lambda:InvokeFunction`).
 *
 * A direct invoke reaches every route its function serves: IAM cannot scope
 * it to one route. So `consume` can also reset groups through the groups
 * function, and `produce` cannot describe topics (that lives on `admin`).
 * Route-precise control needs the HTTPS transport.
 */
export const INVOKE_ACCESS: Readonly<Record<Access, readonly FunctionKind[]>> = {
  produce: ['produce'],
  consume: ['fetch', 'groups'],
  admin: ['admin', 'groups', 'maintenance'],
};

/**
 * Whether a grant of `access` covers `route`.
 * @param scoped - the grant names its topics (every `{topic}` becomes a literal name)
 */
export function routeGranted(route: ApiRoute, access: Access, scoped: boolean): boolean {
  return route.access.includes(access) || (scoped && (route.scopedAccess ?? []).includes(access));
}

/**
 * The IAM resource paths of a route: `{topic}` and `{group}` become each of
 * the given names (or `*` when none are given), any other parameter `*`.
 *
 * IAM's `*` also matches `/`: `GET/v1/topics/*` (describe any topic) matches
 * `GET/v1/topics/t/partitions/0/records` too. Only named topics make that
 * describe grant unable to fetch, hence {@link ApiRoute.scopedAccess}.
 */
export function iamPaths(path: string, names: { readonly topics?: readonly string[]; readonly groups?: readonly string[] } = {}): string[] {
  let paths = [path];
  const expand = (param: string, values: readonly string[] | undefined): void => {
    if (!path.includes(`{${param}}`)) return;
    paths = paths.flatMap((p) => (values ?? ['*']).map((v) => p.split(`{${param}}`).join(v)));
  };
  expand('topic', names.topics);
  expand('group', names.groups);
  return paths.map((p) => p.replace(/\{[^}]+\}/g, '*'));
}
