/**
 * The HTTP API's route manifest: every route of HTTP API v1, the function
 * that serves it, and which grants may call it. The Lambda handlers attach
 * their schemas to it, the CDK stack builds API Gateway routes and IAM
 * grants from it, the SDK's Lambda transport picks functions by it, and the
 * local host dispatches by it: one list, no copies.
 */
import type { ApiFunctionKind } from './functions.js';

/** A caller role, as granted by `EddyStreams.grantProduce/grantConsume/grantAdmin`. */
export type Access = 'produce' | 'consume' | 'admin';

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

/** The manifest route serving `method` and `path` (a concrete path or a `{param}` template), if any. */
export function routeFor(method: string, path: string): ApiRoute | undefined {
  const parts = path.split('/');
  return API_ROUTES.find((r) => {
    if (r.method !== method) return false;
    const tpl = r.path.split('/');
    return tpl.length === parts.length && tpl.every((t, i) => (t.startsWith('{') ? parts[i] !== '' : t === parts[i]));
  });
}

/** Which function serves a request; paths no route matches go to `admin`, which answers them. */
export function functionForRoute(method: string, path: string): ApiFunctionKind {
  return routeFor(method.toUpperCase(), path)?.fn ?? 'admin';
}
