import type { ApiDeps } from './deps';
import type { ApiRequest, ApiResponse } from './http';
import { problem } from './http';

export type RouteHandler = (
  req: ApiRequest,
  deps: ApiDeps,
  params: Record<string, string>,
) => Promise<ApiResponse>;

export interface Route {
  /** Path with `{name}` segments, each matching exactly one percent-decoded path segment. */
  path: string;
  /** Anonymous routes skip the platform's scope check (join links: the token in the path is the credential). */
  anonymous?: boolean;
  /** A pattern per path parameter; a mismatch answers 400 naming the parameter. */
  params?: Record<string, { pattern: RegExp; message: string }>;
  methods: Partial<Record<string, RouteHandler>>;
}

type Match = { route: Route; params: Record<string, string> };

/** Finds the route whose template has the request path's shape; `{x}` never matches across a `/`. */
export function matchRoute(routes: readonly Route[], path: string): Match | undefined {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    const template = route.path.split('/').filter(Boolean);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = template.every((t, i) => {
      const name = /^\{(\w+)\}$/.exec(t)?.[1];
      if (name) params[name] = decodeURIComponent(segments[i]);
      return name !== undefined || t === segments[i];
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/**
 * Routes one request: anonymous routes first; everything else needs the platform's scope (when configured),
 * checked before the path is even looked at so a caller without it learns nothing about which routes exist.
 */
export async function route(routes: readonly Route[], req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  let match: Match | undefined;
  let badEncoding = false;
  try {
    match = matchRoute(routes, req.path);
  } catch (err) {
    if (!(err instanceof URIError)) throw err;
    badEncoding = true;
  }
  if (!match?.route.anonymous) {
    const scope = deps.config.requiredScope;
    if (scope !== undefined && !(req.scopes ?? []).includes(scope)) {
      return problem(
        403,
        'Forbidden',
        `the token lacks the scope "${scope}" that every /meetings route requires`,
      );
    }
  }
  if (badEncoding) return problem(400, 'ValidationError', 'path is not valid percent-encoding');
  if (!match) return problem(404, 'NotFound', `no route ${req.path}`);
  const { route: r, params } = match;
  for (const [name, rule] of Object.entries(r.params ?? {})) {
    if (!rule.pattern.test(params[name])) {
      return problem(400, 'ValidationError', `${name} is not ${rule.message}`, [
        { field: name, message: `must be ${rule.message}` },
      ]);
    }
  }
  const handle = r.methods[req.method];
  if (!handle) return problem(405, 'MethodNotAllowed', `${req.method} is not allowed on ${r.path}`);
  return handle(req, deps, params);
}
