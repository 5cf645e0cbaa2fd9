/**
 * Who may call which route: the route manifest itself lives in `@eddy/api`
 * (api/src/routes.ts); this module turns it into IAM terms. Every route is
 * IAM-authorized; `access` decides which of `grantProduce` / `grantConsume` /
 * `grantAdmin` allows `execute-api:Invoke` on it.
 */
import type { Access, ApiRoute, FunctionKind } from '@eddy/api';

export { API_ROUTES, type Access, type ApiRoute } from '@eddy/api';
export type { ApiFunctionKind } from '@eddy/api';

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
