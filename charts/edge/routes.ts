import { checkDnsSubdomain, fail } from '../common/validate';
import { AdminExposeOptions, GatewayExtensionRef } from './edge-options';
import { ResolvedEdge, checkEdgeHost, checkGatewayRef, checkPathPrefix, checkSourceRanges } from './resolve-edge';

/** One HTTP route at the edge: a host and path prefix sent to a Service port. */
export interface EdgeRoute {
  /** Stable id, also the object name's suffix (`<instance>-<id>`). */
  readonly id: string;
  readonly host: string;
  /** Path prefix, `/` for the whole host. */
  readonly path: string;
  /** Replace the matched prefix with this one before forwarding (e.g. `/prefect/api` → `/api`). */
  readonly rewriteTo?: string;
  readonly serviceName: string;
  /** The Service's port, also the pods' port (every Service of the stack targets the same number). */
  readonly servicePort: number;
  /** Labels of the pods behind the Service: the edge is allowed to reach them on `servicePort`. */
  readonly podSelector: Record<string, string>;
  /** The configuration key that made the route, for messages (e.g. `admin.pgadmin.expose`). */
  readonly field: string;
  /** What the route serves, for the flow table. */
  readonly why: string;
  /** Basic auth Secret (Ingress-NGINX). */
  readonly basicAuthSecret?: string;
  /** Authentication filter (Gateway API). */
  readonly authFilter?: GatewayExtensionRef;
  readonly allowSourceRanges: string[];
  /** TLS Secret for this host (Ingress-NGINX). */
  readonly tlsSecretName?: string;
  /** Labels of the route objects. */
  readonly labels: Record<string, string>;
}

/**
 * Resolves an admin UI's exposure into a route; throws when the UI would be reachable without any credentials.
 * `ownAuth` says whether the application asks for credentials itself.
 */
/** What an exposed UI is: its Service and pods, and what its application does itself. */
export interface RouteBackend {
  /** Stable id of the route (`pgadmin`, `redis-ui`, …). */
  readonly id: string;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly podSelector: Record<string, string>;
  readonly labels: Record<string, string>;
  /** What it serves, for the flow table. */
  readonly why: string;
}

export function adminRoute(
  field: string,
  edge: ResolvedEdge,
  e: AdminExposeOptions,
  r: RouteBackend & { ownAuth: boolean; pathSupported: boolean },
): EdgeRoute {
  if (edge.type === 'none')
    fail(`${field}.expose`, 'is set but edge.type is none', 'choose an edge (edge.type), or remove expose and use kubectl port-forward');
  const host = e.host === undefined ? edge.host! : checkEdgeHost(`${field}.expose.host`, e.host);
  const path = e.path === undefined ? '/' : checkPathPrefix(`${field}.expose.path`, e.path);
  if (path !== '/' && !r.pathSupported) fail(`${field}.expose.path`, 'is not supported by this UI', 'give it its own host (expose.host) and no path');
  if (host === edge.host) {
    if (path === '/') fail(`${field}.expose`, `would take over the Prefect host ${host}`, 'give the UI its own host (expose.host), or a path such as /pgadmin');
    if (path === edge.basePath || `${path}/`.startsWith(`${edge.basePath}/api/`))
      fail(
        `${field}.expose.path`,
        `"${path}" collides with Prefect's UI or API paths`,
        `choose another prefix than ${edge.basePath || '/'} and ${edge.basePath}/api`,
      );
  }
  if (edge.type === 'ingress-nginx' && e.authFilter)
    fail(`${field}.expose.authFilter`, 'is a Gateway API filter but edge.type is ingress-nginx', 'use basicAuthSecret');
  if (edge.type === 'gateway-api') {
    if (e.basicAuthSecret)
      fail(
        `${field}.expose.basicAuthSecret`,
        'is not supported with gateway-api (Gateway API has no standard basic auth)',
        "use authFilter (an implementation-specific filter) or the UI's own login",
      );
    if (e.allowSourceRanges)
      fail(`${field}.expose.allowSourceRanges`, 'is not supported with gateway-api', "restrict sources with your Gateway implementation's policy");
    if (e.tlsSecretName) fail(`${field}.expose.tlsSecretName`, 'is not used with gateway-api', 'configure certificateRefs on the Gateway listener');
  }
  const edgeAuth = Boolean(e.basicAuthSecret || e.authFilter);
  if (!r.ownAuth && !edgeAuth && e.allowUnauthenticated !== true) {
    fail(
      `${field}.expose`,
      'would publish an admin UI without authentication',
      `set ${edge.type === 'gateway-api' ? 'authFilter' : 'basicAuthSecret'} (or the UI's own login), or confirm with allowUnauthenticated: true`,
    );
  }
  return {
    id: r.id,
    host,
    path,
    serviceName: r.serviceName,
    servicePort: r.servicePort,
    podSelector: r.podSelector,
    field: `${field}.expose`,
    why: r.why,
    basicAuthSecret: e.basicAuthSecret && checkDnsSubdomain(`${field}.expose.basicAuthSecret`, e.basicAuthSecret),
    authFilter: e.authFilter && checkGatewayRef(`${field}.expose.authFilter`, e.authFilter),
    allowSourceRanges: checkSourceRanges(`${field}.expose.allowSourceRanges`, e.allowSourceRanges),
    tlsSecretName: e.tlsSecretName && checkDnsSubdomain(`${field}.expose.tlsSecretName`, e.tlsSecretName),
    labels: r.labels,
  };
}

/** The Prefect UI and API routes: one route for `/`, or with a prefix the UI at `<prefix>` and the API rewritten. */
export function prefectRoutes(edge: ResolvedEdge, api: RouteBackend): EdgeRoute[] {
  if (edge.type === 'none') return [];
  const common = {
    host: edge.host!,
    serviceName: api.serviceName,
    servicePort: api.servicePort,
    podSelector: api.podSelector,
    field: 'prefect.externalUrl',
    why: api.why,
    basicAuthSecret: edge.ingressNginx.basicAuthSecret,
    authFilter: edge.gateway?.authFilter,
    allowSourceRanges: edge.ingressNginx.allowSourceRanges,
    tlsSecretName: edge.tls?.secretName,
    labels: api.labels,
  };
  if (!edge.basePath) return [{ ...common, id: 'prefect', path: '/' }];
  // The server mounts its API at /api whatever the UI's serve base: strip the prefix on the way in.
  return [
    { ...common, id: 'prefect', path: edge.basePath },
    { ...common, id: 'prefect-api', path: `${edge.basePath}/api`, rewriteTo: '/api' },
  ];
}
